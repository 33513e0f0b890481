// The deterministic tar itself: entries checked, sorted and written with libarchive to a
// byte sink, never to a temporary file. layer_writer.h builds layers on top of it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "oci/layer_entry.h"

namespace nanoforge::oci {

// Receives the bytes of a stream in order; may throw nanoforge::Error to stop the stream.
using ByteSink = std::function<void(const void* data, std::size_t size)>;

// Puts entries in layer order and makes them consistent: normalises and checks paths,
// refuses duplicates, sorts by path component, and re-points hard links so the first of
// each group in that order holds the content and the others link to it. Throws
// nanoforge::Error naming the entry when a path, link or content is invalid.
void prepare_entries(std::vector<LayerEntry>& entries);

// The size a tar of these (prepared) entries will roughly have: headers, content and padding,
// without the extended headers long names need. For progress totals.
std::uint64_t estimated_tar_size(const std::vector<LayerEntry>& entries);

// Writes prepared entries as a tar whose bytes depend only on the entries and `epoch`:
// POSIX ustar headers, with a PAX extended header only where a name, link, size or id does
// not fit ustar; mtime = epoch; empty user and group names; no atime, ctime or
// libarchive-specific keys. Content from `source` is re-checked against `size` while read.
void write_tar_stream(const std::vector<LayerEntry>& entries, std::int64_t epoch,
                      const ByteSink& out);

}  // namespace nanoforge::oci
