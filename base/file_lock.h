// An flock(2) lock on a file, held for the lifetime of the object. Locks taken through two
// FileLock objects conflict even within one process (each opens its own file description),
// so threads and processes are excluded alike. The lock file is created when missing and
// never removed: removing it would let two runs lock two different files of the same name.
#pragma once
#include <filesystem>
#include <optional>

namespace nanoforge {

class FileLock {
 public:
  enum class Mode { Shared, Exclusive };
  // Blocks until the lock is granted; throws nanoforge::Error naming the path on failure.
  FileLock(const std::filesystem::path& path, Mode mode);
  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Takes the lock only if it is free now; nullopt when someone else holds it.
  static std::optional<FileLock> try_lock(const std::filesystem::path& path, Mode mode);
  const std::filesystem::path& path() const { return path_; }
  bool held() const { return fd_ >= 0; }

 private:
  FileLock() = default;
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace nanoforge
