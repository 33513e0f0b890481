// Export to a docker-archive tarball in Docker 25's form: manifest.json and repositories
// for `docker load` (20.10 and later) plus the OCI index.json/oci-layout, sharing one
// blobs/sha256/ directory, which `podman load` and skopeo also accept.
#pragma once
#include <filesystem>
#include <vector>

#include "oci/layout.h"
#include "base/progress.h"

namespace nanoforge::oci {

// Writes the images (each with its reference as RepoTag; references that share a manifest
// share one manifest.json entry) to `output` atomically: a failure leaves any previous
// `output` untouched. The tar is deterministic (entries sorted, mtime 0, owner 0, no PAX
// noise), so the same images always give the same bytes. Blobs are streamed from the
// layout and checked against their digests on the way, never held in memory.
//
// Layers are exported as stored. gzip and uncompressed layers load everywhere (docker load
// decompresses them); zstd layers are refused with an error naming the layer, because
// Docker 20.10's `docker load` cannot read them ("archive/tar: invalid tar header", checked)
// and recompressing would change the manifest the archive's index.json must carry.
void export_docker_archive(const Layout& layout, const std::vector<ImageReference>& images,
                           const std::filesystem::path& output, const ProgressCallback& progress = {});

}  // namespace nanoforge::oci
