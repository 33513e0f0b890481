#include "rootfs/staging_tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include "base/atomic_file.h"
#include "base/error.h"

namespace nanoforge::rootfs {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

std::string join_path(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

// Symlink hops allowed while resolving one path (Linux's MAXSYMLINKS).
constexpr int kMaxSymlinkHops = 40;

bool is_under(const std::string& path, const std::string& prefix) {
  return prefix.empty() || path == prefix ||
         (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
          path[prefix.size()] == '/');
}

}  // namespace

StagingTree::StagingTree(fs::path root) : root_(std::move(root)) {
  std::error_code error;
  fs::create_directories(root_, error);
  if (error) throw Error("cannot create staging directory " + root_.string() + ": " + error.message());
}

fs::path StagingTree::host_path(std::string_view image_path) const {
  return image_path.empty() ? root_ : root_ / fs::path(std::string(image_path));
}

std::string StagingTree::resolve(std::string_view image_path, const std::string& context) {
  std::string normal = oci::normalize_image_path(std::string(image_path), context);
  std::vector<std::string> parts = split_path(normal);
  if (parts.empty()) return "";
  std::string last = parts.back();
  parts.pop_back();
  std::deque<std::string> pending(parts.begin(), parts.end());
  std::vector<std::string> resolved;
  int hops = 0;
  while (!pending.empty()) {
    std::string component = std::move(pending.front());
    pending.pop_front();
    if (component == ".") continue;
    if (component == "..") {
      // Only symlink targets bring ".." here; the image path itself was checked.
      if (resolved.empty())
        throw Error(context + ": '" + normal + "' leads through a symlink that climbs out of the root");
      resolved.pop_back();
      continue;
    }
    resolved.push_back(component);
    std::string candidate = join_path(resolved);
    fs::path host = host_path(candidate);
    struct stat status {};
    if (::lstat(host.c_str(), &status) != 0) {
      if (errno != ENOENT) throw_system_error("cannot inspect staging path", host.string());
      if (::mkdir(host.c_str(), 0755) != 0) throw_system_error("cannot create directory", host.string());
      metadata_.emplace(candidate, FileMetadata{0755, 0, 0});
      continue;
    }
    if (S_ISDIR(status.st_mode)) continue;
    if (!S_ISLNK(status.st_mode))
      throw Error(context + ": cannot write '" + normal + "': '" + candidate +
                  "' is a file, not a directory");
    char buffer[4096];
    ssize_t length = ::readlink(host.c_str(), buffer, sizeof buffer);
    if (length < 0) throw_system_error("cannot read symlink", host.string());
    std::string target(buffer, static_cast<std::size_t>(length));
    if (target.empty() || target.front() == '/')
      throw Error(context + ": refusing to write '" + normal + "' through the absolute symlink '" +
                  candidate + "' -> '" + target +
                  "': on the build host it points outside the root file system");
    if (++hops > kMaxSymlinkHops)
      throw Error(context + ": too many levels of symlinks resolving '" + normal + "'");
    resolved.pop_back();  // the symlink is replaced by its target, relative to its parent
    auto target_parts = split_path(target);
    // Climbing out of the root is checked as the ".." components are consumed.
    std::size_t depth = resolved.size();
    for (const auto& part : target_parts) {
      if (part == "..") {
        if (depth == 0)
          throw Error(context + ": refusing to write '" + normal + "' through the symlink '" +
                      candidate + "' -> '" + target + "': it points outside the root file system");
        --depth;
      } else if (part != ".") {
        ++depth;
      }
    }
    pending.insert(pending.begin(), target_parts.begin(), target_parts.end());
  }
  resolved.push_back(last);
  return join_path(resolved);
}

std::optional<fs::file_type> StagingTree::type_of(std::string_view image_path) const {
  std::error_code error;
  auto status = fs::symlink_status(host_path(image_path), error);
  if (error || status.type() == fs::file_type::not_found) return std::nullopt;
  return status.type();
}

namespace {
// Clears the way for a new non-directory entry: a file or symlink is removed, an empty
// directory too; a non-empty directory is an error (dpkg refuses the same).
void clear_for_replacement(const fs::path& host, const std::string& context,
                           const std::string& path) {
  struct stat status {};
  if (::lstat(host.c_str(), &status) != 0) return;
  if (S_ISDIR(status.st_mode)) {
    if (::rmdir(host.c_str()) != 0)
      throw Error(context + ": cannot replace the directory '" + path + "' with a non-directory: " +
                  std::strerror(errno));
    return;
  }
  if (::unlink(host.c_str()) != 0) throw_system_error("cannot replace", host.string());
}
}  // namespace

int StagingTree::open_new_file(std::string_view image_path, FileMetadata metadata,
                               const std::string& context, std::string* resolved_path) {
  std::string path = resolve(image_path, context);
  if (path.empty()) throw Error(context + ": cannot write a file at the root directory");
  fs::path host = host_path(path);
  clear_for_replacement(host, context, path);
  int fd = ::open(host.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw_system_error("cannot create", host.string());
  if (::fchmod(fd, metadata.mode & 07777) != 0) {
    ::close(fd);
    throw_system_error("cannot set the mode of", host.string());
  }
  metadata_[path] = metadata;
  if (resolved_path) *resolved_path = path;
  return fd;
}

void StagingTree::write_file(std::string_view image_path, std::string_view content,
                             FileMetadata metadata, const std::string& context) {
  std::string path;
  int fd = open_new_file(image_path, metadata, context, &path);
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      throw_system_error("cannot write", host_path(path).string());
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (::close(fd) != 0) throw_system_error("cannot write", host_path(path).string());
}

void StagingTree::make_directory(std::string_view image_path, FileMetadata metadata,
                                 const std::string& context) {
  std::string path = resolve(image_path, context);
  fs::path host = host_path(path);
  struct stat status {};
  if (::lstat(host.c_str(), &status) == 0 && !S_ISDIR(status.st_mode)) {
    if (::unlink(host.c_str()) != 0) throw_system_error("cannot replace", host.string());
  }
  if (::mkdir(host.c_str(), 0755) != 0 && errno != EEXIST)
    throw_system_error("cannot create directory", host.string());
  if (::chmod(host.c_str(), metadata.mode & 07777) != 0)
    throw_system_error("cannot set the mode of", host.string());
  metadata_[path] = metadata;
}

void StagingTree::make_symlink(std::string_view image_path, const std::string& target,
                               const std::string& context) {
  std::string path = resolve(image_path, context);
  if (path.empty()) throw Error(context + ": cannot replace the root directory with a symlink");
  // A relative target that climbs above the root would point into the host when the tree is
  // used as a directory (by ldconfig, by a later write); no Debian package needs one.
  if (!target.empty() && target.front() != '/') {
    auto parent_depth = static_cast<long>(split_path(path).size()) - 1;
    long depth = parent_depth;
    for (const auto& part : split_path(target)) {
      if (part == "..") {
        if (--depth < 0)
          throw Error(context + ": refusing the symlink '" + path + "' -> '" + target +
                      "': it points outside the root file system");
      } else if (part != ".") {
        ++depth;
      }
    }
  }
  fs::path host = host_path(path);
  clear_for_replacement(host, context, path);
  if (::symlink(target.c_str(), host.c_str()) != 0) throw_system_error("cannot create symlink", host.string());
  metadata_[path] = FileMetadata{0777, 0, 0};
}

void StagingTree::make_hardlink(std::string_view image_path, std::string_view existing,
                                const std::string& context) {
  std::string target = resolve(existing, context);
  std::string path = resolve(image_path, context);
  struct stat status {};
  if (::lstat(host_path(target).c_str(), &status) != 0 || !S_ISREG(status.st_mode))
    throw Error(context + ": hard link '" + path + "' points to '" + target +
                "', which is not a regular file unpacked before it");
  fs::path host = host_path(path);
  clear_for_replacement(host, context, path);
  if (::link(host_path(target).c_str(), host.c_str()) != 0)
    throw_system_error("cannot create hard link", host.string());
  auto known = metadata_.find(target);
  metadata_[path] = known != metadata_.end() ? known->second : FileMetadata{status.st_mode & 07777, 0, 0};
}

std::string StagingTree::read_file(std::string_view image_path) const {
  std::string path(image_path);
  // Every parent must be a real directory: reading through a symlink could read the host.
  std::string prefix;
  for (const auto& part : split_path(path)) {
    if (!prefix.empty()) prefix += '/';
    prefix += part;
    if (type_of(prefix) == fs::file_type::symlink)
      throw Error("cannot read '" + path + "' from the root file system: '" + prefix + "' is a symlink");
  }
  int fd = ::open(host_path(path).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw_system_error("cannot read", host_path(path).string());
  ::close(fd);
  return nanoforge::read_file(host_path(path));
}

void StagingTree::remove(std::string_view image_path) {
  std::string path(image_path);
  std::error_code error;
  fs::remove_all(host_path(path), error);  // does not follow symlinks
  if (error) throw Error("cannot remove " + host_path(path).string() + ": " + error.message());
  for (auto it = metadata_.lower_bound(path); it != metadata_.end() && it->first.starts_with(path);) {
    if (is_under(it->first, path))
      it = metadata_.erase(it);
    else
      ++it;
  }
}

void StagingTree::set_metadata(const std::string& image_path, FileMetadata metadata) {
  metadata_[image_path] = metadata;
}

std::optional<FileMetadata> StagingTree::metadata(const std::string& image_path) const {
  auto it = metadata_.find(image_path);
  if (it == metadata_.end()) return std::nullopt;
  return it->second;
}

std::vector<oci::LayerEntry> StagingTree::entries() const {
  std::vector<oci::LayerEntry> entries;
  struct Inode {
    dev_t device;
    ino_t inode;
    auto operator<=>(const Inode&) const = default;
  };
  std::map<Inode, std::vector<std::size_t>> links;  // inodes seen more than once
  std::error_code error;
  for (fs::recursive_directory_iterator it(root_, fs::directory_options::none, error), end;
       it != end; it.increment(error)) {
    if (error) throw Error("cannot read staging directory " + root_.string() + ": " + error.message());
    const fs::path& host = it->path();
    struct stat status {};
    if (::lstat(host.c_str(), &status) != 0) throw_system_error("cannot inspect", host.string());
    oci::LayerEntry entry;
    entry.path = host.lexically_relative(root_).generic_string();
    auto known = metadata_.find(entry.path);
    FileMetadata metadata = known != metadata_.end() ? known->second
                                                     : FileMetadata{status.st_mode & 07777, 0, 0};
    entry.mode = metadata.mode;
    entry.uid = metadata.uid;
    entry.gid = metadata.gid;
    if (S_ISDIR(status.st_mode)) {
      entry.type = oci::EntryType::Directory;
    } else if (S_ISLNK(status.st_mode)) {
      entry.type = oci::EntryType::Symlink;
      entry.mode = 0777;
      std::error_code link_error;
      entry.link_target = fs::read_symlink(host, link_error).string();
      if (link_error) throw Error("cannot read symlink " + host.string() + ": " + link_error.message());
    } else if (S_ISREG(status.st_mode)) {
      entry.type = oci::EntryType::Regular;
      entry.source = host;
      entry.size = static_cast<std::uint64_t>(status.st_size);
      if (status.st_nlink > 1) links[{status.st_dev, status.st_ino}].push_back(entries.size());
    } else {
      throw Error("the root file system holds '" + entry.path +
                  "', which is not a file, directory or symlink (devices and sockets are not allowed)");
    }
    entries.push_back(std::move(entry));
  }
  if (error) throw Error("cannot read staging directory " + root_.string() + ": " + error.message());
  // The first path of each hard-linked inode (in layer order) carries the content.
  for (auto& [inode, indices] : links) {
    if (indices.size() < 2) continue;
    std::sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
      return oci::image_path_less(entries[a].path, entries[b].path);
    });
    const std::string& first = entries[indices.front()].path;
    for (std::size_t i = 1; i < indices.size(); ++i) {
      auto& entry = entries[indices[i]];
      entry.type = oci::EntryType::Hardlink;
      entry.link_target = first;
      entry.source.clear();
      entry.size = 0;
    }
  }
  return entries;
}

std::string merged_usr_path(const std::string& image_path) {
  for (const char* top : {"bin", "sbin", "lib", "lib64"}) {
    std::string_view prefix(top);
    if (image_path.size() > prefix.size() && image_path.starts_with(prefix) &&
        image_path[prefix.size()] == '/')
      return "usr/" + image_path;
  }
  return image_path;
}

}  // namespace nanoforge::rootfs
