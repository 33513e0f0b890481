#include "base/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "base/error.h"

namespace nanoforge {

namespace {
int open_lock_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw_system_error("cannot open lock file", path.string());
  return fd;
}
int flock_operation(FileLock::Mode mode) { return mode == FileLock::Mode::Shared ? LOCK_SH : LOCK_EX; }
}  // namespace

FileLock::FileLock(const std::filesystem::path& path, Mode mode) : path_(path), fd_(open_lock_file(path)) {
  while (::flock(fd_, flock_operation(mode)) != 0) {
    if (errno == EINTR) continue;
    int saved = errno;
    ::close(fd_);
    fd_ = -1;
    errno = saved;
    throw_system_error("cannot lock", path.string());
  }
}

std::optional<FileLock> FileLock::try_lock(const std::filesystem::path& path, Mode mode) {
  FileLock attempt;
  attempt.path_ = path;
  attempt.fd_ = open_lock_file(path);
  while (::flock(attempt.fd_, flock_operation(mode) | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return std::nullopt;
    throw_system_error("cannot lock", path.string());
  }
  return attempt;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

FileLock::FileLock(FileLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

}  // namespace nanoforge
