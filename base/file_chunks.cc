#include "base/file_chunks.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/error.h"

namespace nanoforge {

bool read_file_chunks(const std::filesystem::path& path, const FileChunkSink& sink, const std::string& what,
                      IfMissing if_missing) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && if_missing == IfMissing::skip) return false;
    throw_system_error(what, path.string());
  }
  // Closes on every way out, keeping the errno of a failed read for the message.
  struct Closer {
    int fd;
    ~Closer() {
      int saved = errno;
      ::close(fd);
      errno = saved;
    }
  } closer{fd};
  std::vector<char> buffer(1 << 20);
  while (true) {
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_system_error(what, path.string());
    }
    if (got == 0) return true;
    if (!sink(buffer.data(), static_cast<std::size_t>(got))) return true;
  }
}

}  // namespace nanoforge
