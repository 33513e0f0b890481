// Reading a file piece by piece, for streaming it into a hash, a blob or an archive without
// holding it in memory: the one read loop (it retries reads a signal interrupted).
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

namespace nanoforge {

// Receives the next piece of the file (never empty); returns false to stop reading early.
using FileChunkSink = std::function<bool(const char* data, std::size_t size)>;

enum class IfMissing { fail, skip };

// Opens `path` and passes its content to `sink` in order, in pieces of at most 1 MiB, until the
// end of the file or until `sink` returns false. A read interrupted by a signal (EINTR) is retried.
// Returns true; returns false only with IfMissing::skip when the file does not exist (ENOENT).
// Throws nanoforge::Error "<what>: <path>: <strerror>" when the file cannot be opened or read,
// and whatever `sink` throws (the file is closed either way).
bool read_file_chunks(const std::filesystem::path& path, const FileChunkSink& sink,
                      const std::string& what = "cannot read", IfMissing if_missing = IfMissing::fail);

}  // namespace nanoforge
