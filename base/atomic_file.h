// Atomic outputs: write to a temporary name beside the target, fsync, rename.
// A killed run leaves either the old file or the new one, never half of either.
#pragma once
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

namespace nanoforge {

// A file being written under a temporary name in the target's directory.
// commit() fsyncs and renames it over the target; destruction without commit() removes it.
class AtomicFile {
 public:
  explicit AtomicFile(const std::filesystem::path& target, unsigned mode = 0644);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Renames the temporary file to `target` (or to the constructor's target when empty).
  void commit(const std::filesystem::path& target = {});
  const std::filesystem::path& temporary_path() const { return temporary_; }
  int fd() const { return fd_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  bool committed_ = false;
};

// Replaces `target` with `content` atomically.
void write_file_atomically(const std::filesystem::path& target, std::string_view content,
                           unsigned mode = 0644);

// Reads a whole file; throws nanoforge::Error naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);
// The same, but nullopt when the file does not exist (ENOENT); any other failure throws.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

// fsyncs a directory so a rename inside it survives a crash.
void sync_directory(const std::filesystem::path& directory);

}  // namespace nanoforge
