#include "deploy/migrate_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "base/error.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;

namespace {

// Directory entries by name, so plans and copies come out in the same order every time.
std::vector<fs::path> sorted_children(const fs::path& directory) {
  std::vector<fs::path> children;
  try {
    for (const auto& entry : fs::directory_iterator(directory)) children.push_back(entry.path());
  } catch (const fs::filesystem_error& error) {
    throw Error("cannot read " + directory.string() + ": " + error.code().message() + "; nothing was migrated");
  }
  std::sort(children.begin(), children.end());
  return children;
}

struct stat lstat_or_throw(const fs::path& path, bool follow) {
  struct stat info {};
  if ((follow ? ::stat(path.c_str(), &info) : ::lstat(path.c_str(), &info)) != 0)
    throw_system_error("cannot read", path.string());
  return info;
}

const char* kind_of_special(mode_t mode) {
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISFIFO(mode)) return "a FIFO";
  return "a device";
}

class Planner {
 public:
  Planner(CopyPlan& plan, const InstanceLayoutMap& layout) : plan_(plan), layout_(layout) {}

  // A tree's top directory (the data directory, the workspace), followed through links.
  void add_root(const fs::path& from, const fs::path& to) {
    struct stat info = lstat_or_throw(from, true);
    add_entry(CopyEntry::Kind::directory, from, to, info);
  }

  // One entry (and, for a directory, everything below it) that maps to `to`.
  void add(const fs::path& from, const fs::path& to, CopyItem& item) {
    struct stat info = lstat_or_throw(from, false);
    if (S_ISDIR(info.st_mode)) {
      add_entry(CopyEntry::Kind::directory, from, to, info);
      add_children(from, to, item);
    } else if (S_ISREG(info.st_mode)) {
      add_entry(CopyEntry::Kind::file, from, to, info);
      item.files += 1;
      item.bytes += static_cast<std::uintmax_t>(info.st_size);
    } else if (S_ISLNK(info.st_mode)) {
      std::error_code error;
      fs::path target = fs::read_symlink(from, error);
      if (error) throw Error("cannot read the link " + from.string() + ": " + error.message());
      fs::path host = target.is_absolute() ? target : from.parent_path() / target;
      auto mapped = layout_.map(host);
      if (!mapped) {
        plan_.skipped.push_back(from.string() + ": a symbolic link to " + target.string() +
                                ", outside what is copied (copy or recreate what it points to by hand)");
        return;
      }
      fs::path link = mapped->lexically_relative(to.parent_path());
      add_entry(CopyEntry::Kind::symlink, from, to, info).link = link.empty() ? "." : link.string();
      item.files += 1;
    } else {
      plan_.skipped.push_back(from.string() + ": " + kind_of_special(info.st_mode) + ", which cannot be copied");
    }
  }

  void add_children(const fs::path& from, const fs::path& to, CopyItem& item) {
    for (const auto& child : sorted_children(from)) {
      auto mapped = layout_.map(child);
      if (!mapped) {
        plan_.skipped.push_back(child.string() + ": not part of the migrated trees");
        continue;
      }
      // A workspace inside the data directory is copied as the workspace, not under config/.
      if (*mapped->begin() != *to.begin()) continue;
      add(child, *mapped, item);
    }
  }

 private:
  CopyEntry& add_entry(CopyEntry::Kind kind, const fs::path& from, const fs::path& to, const struct stat& info) {
    CopyEntry entry;
    entry.kind = kind;
    entry.from = from;
    entry.to = to;
    entry.mode = info.st_mode & 0777;
    entry.mtime = info.st_mtim;
    plan_.entries.push_back(std::move(entry));
    return plan_.entries.back();
  }

  CopyPlan& plan_;
  const InstanceLayoutMap& layout_;
};

// Finds which of `values` (those long enough) a file holds, fed in chunks: the last bytes of
// a chunk are kept so that a value split between two chunks is found too.
class ValueScanner {
 public:
  explicit ValueScanner(const std::vector<std::string>& values) : values_(values) {
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i].size() >= kMinScannedSecret) {
        scanned_.push_back(i);
        longest_ = std::max(longest_, values[i].size());
      }
  }
  bool empty() const { return scanned_.empty(); }
  void start() {
    carry_.clear();
    found_.clear();
  }
  void feed(const char* data, std::size_t size) {
    std::string window = carry_;
    window.append(data, size);
    for (std::size_t index : scanned_)
      if (!found_.count(index) && window.find(values_[index]) != std::string::npos) found_.insert(index);
    std::size_t keep = std::min(window.size(), longest_ - 1);
    carry_ = window.substr(window.size() - keep);
  }
  const std::set<std::size_t>& found() const { return found_; }

 private:
  const std::vector<std::string>& values_;
  std::vector<std::size_t> scanned_;
  std::size_t longest_ = 0;
  std::string carry_;
  std::set<std::size_t> found_;
};

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

void write_all(int fd, const char* data, std::size_t size, const fs::path& path) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) throw_system_error("cannot write", path.string());
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

// Copies (or, with no target, only reads) one regular file, feeding its bytes to `scanner`.
void copy_file(const CopyEntry& entry, const fs::path& target, ValueScanner& scanner) {
  FileDescriptor in(::open(entry.from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (in.get() < 0) throw_system_error("cannot read", entry.from.string());
  std::optional<FileDescriptor> out;
  if (!target.empty()) {
    std::error_code ignored;
    fs::remove(target, ignored);  // a file the staged instance had (SOUL.md, AGENTS.md)
    out.emplace(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (out->get() < 0) throw_system_error("cannot create", target.string());
  }
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t got = ::read(in.get(), buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw_system_error("cannot read", entry.from.string());
    if (got == 0) break;
    if (!scanner.empty()) scanner.feed(buffer.data(), static_cast<std::size_t>(got));
    if (out) write_all(out->get(), buffer.data(), static_cast<std::size_t>(got), target);
  }
  if (!out) return;
  timespec times[2] = {{0, UTIME_OMIT}, entry.mtime};
  if (::fchmod(out->get(), entry.mode) != 0 || ::futimens(out->get(), times) != 0)
    throw_system_error("cannot set the mode and time of", target.string());
  if (::close(out->release()) != 0) throw_system_error("cannot write", target.string());
}

}  // namespace

CopyPlan plan_copy(const SourceHome& source, const InstanceLayoutMap& layout) {
  CopyPlan plan;
  Planner planner(plan, layout);
  planner.add_root(source.data_dir, "config");
  for (const auto& child : sorted_children(source.data_dir)) {
    auto mapped = layout.map(child);
    if (!mapped) {
      std::string name = child.filename().string();
      plan.skipped.push_back(child.string() + ": " +
                             (name == "run" ? "the old process's runtime state (pid and lock files)"
                              : name == "config.json"
                                  ? "another config.json; the instance's is converted from " + source.config_file.string()
                                  : "an unfinished save of the config file (it holds the literal secrets)"));
      continue;
    }
    if (*mapped == "config/config.json" || *mapped->begin() == "workspace") continue;  // converted; copied below
    CopyItem item{child, mapped->generic_string()};
    planner.add(child, *mapped, item);
    plan.items.push_back(std::move(item));
  }
  std::error_code error;
  if (fs::is_directory(source.workspace, error)) {
    CopyItem item{source.workspace, "workspace"};
    planner.add_root(source.workspace, "workspace");
    planner.add_children(source.workspace, "workspace", item);
    plan.items.push_back(std::move(item));
  }
  return plan;
}

CopyResult copy_planned(const CopyPlan& plan, const fs::path& instance_dir, const std::vector<std::string>& values) {
  CopyResult result;
  ValueScanner scanner(values);
  for (const auto& entry : plan.entries) {
    const fs::path target = instance_dir.empty() ? fs::path() : instance_dir / entry.to;
    switch (entry.kind) {
      case CopyEntry::Kind::directory: {
        std::error_code error;
        if (!target.empty() && !fs::is_directory(target, error)) {
          fs::remove(target, error);
          if (!fs::create_directory(target, error) && error)
            throw Error("cannot create " + target.string() + ": " + error.message());
        }
        break;
      }
      case CopyEntry::Kind::file: {
        scanner.start();
        copy_file(entry, target, scanner);
        for (std::size_t index : scanner.found()) result.hits.push_back({entry.to, index});
        ++result.files;
        break;
      }
      case CopyEntry::Kind::symlink: {
        if (!target.empty()) {
          std::error_code error;
          fs::remove(target, error);
          fs::create_symlink(entry.link, target, error);
          if (error) throw Error("cannot create the link " + target.string() + ": " + error.message());
          timespec times[2] = {{0, UTIME_OMIT}, entry.mtime};
          ::utimensat(AT_FDCWD, target.c_str(), times, AT_SYMLINK_NOFOLLOW);  // cosmetic: never fatal
        }
        ++result.files;
        break;
      }
    }
  }
  return result;
}

void finish_directories(const CopyPlan& plan, const fs::path& instance_dir) {
  for (auto it = plan.entries.rbegin(); it != plan.entries.rend(); ++it) {
    if (it->kind != CopyEntry::Kind::directory) continue;
    const fs::path target = instance_dir / it->to;
    timespec times[2] = {{0, UTIME_OMIT}, it->mtime};
    if (::chmod(target.c_str(), it->mode) != 0 || ::utimensat(AT_FDCWD, target.c_str(), times, 0) != 0)
      throw_system_error("cannot set the mode and time of", target.string());
  }
}

void make_removable(const fs::path& root) {
  struct stat info {};
  if (::lstat(root.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return;
  ::chmod(root.c_str(), (info.st_mode & 07777) | S_IRWXU);
  std::error_code error;
  for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) make_removable(it->path());
}

}  // namespace nanoforge::deploy
