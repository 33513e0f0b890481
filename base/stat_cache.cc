#include "base/stat_cache.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <string_view>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "base/error.h"

namespace nanoforge {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHeader = "nanoforge stat cache 1\n";

std::int64_t nanoseconds(const struct timespec& time) {
  return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

std::int64_t now_ns() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return nanoseconds(now);
}

template <typename T>
bool parse_number(std::string_view& rest, T& value) {
  auto space = rest.find(' ');
  if (space == std::string_view::npos) return false;
  auto [end, error] = std::from_chars(rest.data(), rest.data() + space, value);
  if (error != std::errc() || end != rest.data() + space) return false;
  rest.remove_prefix(space + 1);
  return true;
}

}  // namespace

StatCache::StatCache(fs::path file, std::int64_t racy_margin_ns)
    : file_(std::move(file)), racy_margin_ns_(racy_margin_ns) {
  if (file_.empty()) return;
  std::string content;
  try {
    content = read_file(file_);
  } catch (const Error&) {
    return;
  }
  if (content.rfind(kHeader, 0) != 0) return;
  std::string_view rest(content);
  rest.remove_prefix(kHeader.size());
  // "<device> <inode> <size> <mtime_ns> <ctime_ns> <sha256> <path>\n"; anything odd ends the reading.
  while (!rest.empty()) {
    auto end = rest.find('\n');
    if (end == std::string_view::npos) return;
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    Entry entry;
    if (!parse_number(line, entry.device) || !parse_number(line, entry.inode) || !parse_number(line, entry.size) ||
        !parse_number(line, entry.mtime_ns) || !parse_number(line, entry.ctime_ns))
      return;
    if (line.size() < 66 || line[64] != ' ') return;
    entry.sha256 = std::string(line.substr(0, 64));
    previous_[std::string(line.substr(65))] = std::move(entry);
  }
}

std::string StatCache::content_sha256(const fs::path& path, const struct stat& info) {
  Entry current;
  current.device = info.st_dev;
  current.inode = info.st_ino;
  current.size = static_cast<std::uint64_t>(info.st_size);
  current.mtime_ns = nanoseconds(info.st_mtim);
  current.ctime_ns = nanoseconds(info.st_ctim);
  const std::string key = path.string();
  if (auto found = previous_.find(key); found != previous_.end()) {
    Entry remembered = found->second;
    remembered.sha256.clear();
    if (remembered == current) {
      used_[key] = found->second;
      return found->second.sha256;
    }
  }
  const std::int64_t read_at = now_ns();
  current.sha256 = sha256_of_file(path).hex;
  ++files_read_;
  // Only a file that has not changed for longer than a timestamp tick keeps its identity
  // through any later change (see the header).
  if (current.mtime_ns < read_at - racy_margin_ns_ && current.ctime_ns < read_at - racy_margin_ns_ &&
      key.find('\n') == std::string::npos)
    used_[key] = current;
  return current.sha256;
}

void StatCache::save() const {
  if (file_.empty() || used_ == previous_) return;
  std::string content(kHeader);
  for (const auto& [path, entry] : used_) {
    content += std::to_string(entry.device) + ' ' + std::to_string(entry.inode) + ' ' + std::to_string(entry.size) +
               ' ' + std::to_string(entry.mtime_ns) + ' ' + std::to_string(entry.ctime_ns) + ' ' + entry.sha256 + ' ' +
               path + '\n';
  }
  try {
    fs::create_directories(file_.parent_path());
    write_file_atomically(file_, content);
  } catch (const std::exception&) {
    // Only a cache (see the header): the next run reads the files again.
  }
}

std::string file_fingerprint(const fs::path& path, StatCache& cache) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return "";
    throw_system_error("cannot stat", path.string());
  }
  char mode[16];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
  if (S_ISREG(info.st_mode)) return std::string("file ") + mode + " " + cache.content_sha256(path, info);
  if (S_ISLNK(info.st_mode)) {
    std::error_code error;
    auto target = fs::read_symlink(path, error);
    if (error) throw Error("cannot read the symlink " + path.string() + ": " + error.message());
    return "symlink " + target.string();
  }
  if (S_ISDIR(info.st_mode)) return std::string("directory ") + mode;
  return "other " + std::to_string(info.st_mode);
}

}  // namespace nanoforge
