// Deterministic layers: a tar that depends only on content, compressed and hashed in one
// pass into the blob store.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "oci/blob_store.h"
#include "oci/layer.h"
#include "oci/layer_entry.h"
#include "base/progress.h"

namespace nanoforge::oci {

// The format of the tar write_layer() writes, part of every cached layer's key: bump it when
// the same entries and options would give other bytes, so that no layer an older nanoforge
// wrote is reused where a cold build would write a different one.
inline constexpr const char* kLayerFormat = "nanoforge-layer-1";

// Writes entries (in any order; they are sorted by path, parents before children) as one
// layer blob, in one streaming pass: tar -> diffID -> compressor -> digest + blob file. No tar
// is kept in memory or on disk; the blob appears under its digest only when complete. Hard
// links are re-pointed so the first in layer order holds the content. Missing parent
// directories are NOT invented (an upper layer's directory entry would override the lower
// layer's mode, e.g. /tmp's 1777); scan_directory adds the parents of its destination.
// `progress` receives tar bytes written (total is an estimate until `finished`), on the
// calling thread. Throws nanoforge::Error naming the entry for unreadable files, sizes that
// changed while reading, duplicate paths, invalid paths or dangling hard links.
Layer write_layer(BlobStore& store, std::vector<LayerEntry> entries, const LayerOptions& options,
                  const ProgressCallback& progress = {});

// Writes the uncompressed deterministic tar to `out` (used by tests and by docker-archive
// consumers that need a plain tar); returns its digest (the diffID).
Digest write_tar(std::vector<LayerEntry> entries, std::int64_t epoch,
                 const std::function<void(const void*, std::size_t)>& out);

}  // namespace nanoforge::oci
