#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/file_chunks.h"
#include "base/random_suffix.h"

namespace nanoforge {

void throw_system_error(const std::string& what, const std::string& path) {
  throw Error(what + ": " + path + ": " + std::strerror(errno));
}


AtomicFile::AtomicFile(const std::filesystem::path& target, unsigned mode) : target_(target) {
  auto directory = target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
  temporary_ = directory / ("." + target.filename().string() + ".tmp-" + random_suffix());
  fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd_ < 0) throw_system_error("cannot create", temporary_.string());
  ::fchmod(fd_, mode);  // the umask must not change the mode the caller asked for
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temporary_.c_str());
}

void AtomicFile::write(const void* data, std::size_t size) {
  auto bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t written = ::write(fd_, bytes, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      throw_system_error("cannot write", temporary_.string());
    }
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
}

void AtomicFile::commit(const std::filesystem::path& target) {
  if (!target.empty()) target_ = target;
  if (::fsync(fd_) != 0) throw_system_error("cannot fsync", temporary_.string());
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw_system_error("cannot close", temporary_.string());
  }
  fd_ = -1;
  if (::rename(temporary_.c_str(), target_.c_str()) != 0)
    throw_system_error("cannot rename into place", target_.string());
  committed_ = true;
  sync_directory(target_.parent_path().empty() ? "." : target_.parent_path());
}

void write_file_atomically(const std::filesystem::path& target, std::string_view content,
                           unsigned mode) {
  AtomicFile file(target, mode);
  file.write(content);
  file.commit();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_system_error("cannot read", path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw_system_error("cannot read", path.string());
  return buffer.str();
}

std::optional<std::string> read_file_if_exists(const std::filesystem::path& path) {
  std::string text;
  bool found = read_file_chunks(
      path,
      [&](const char* data, std::size_t size) {
        text.append(data, size);
        return true;
      },
      "cannot read", IfMissing::skip);
  if (!found) return std::nullopt;
  return text;
}

void sync_directory(const std::filesystem::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: some filesystems refuse to open directories
  ::fsync(fd);
  ::close(fd);
}

}  // namespace nanoforge
