#include "rootfs/unpack.h"

#include <unistd.h>

#include <cerrno>

#include "oci/error.h"

namespace nanoforge::rootfs {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMergedDirectories[] = {"bin", "sbin", "lib", "lib64"};

bool is_merged_top(const std::string& path) {
  for (const char* top : kMergedDirectories)
    if (path == top) return true;
  return false;
}

void copy_content(EntryContent& content, int fd, std::uint64_t expected, const std::string& where) {
  char buffer[64 * 1024];
  std::uint64_t total = 0;
  for (;;) {
    std::size_t got = content.read(buffer, sizeof buffer);
    if (got == 0) break;
    total += got;
    const char* data = buffer;
    while (got > 0) {
      ssize_t written = ::write(fd, data, got);
      if (written < 0) {
        if (errno == EINTR) continue;
        throw_system_error("cannot write", where);
      }
      data += written;
      got -= static_cast<std::size_t>(written);
    }
  }
  if (total != expected)
    throw Error(where + ": the archive said " + std::to_string(expected) + " bytes but held " +
                std::to_string(total) + " (truncated?)");
}

void unpack_entry(const DataEntry& entry, EntryContent& content, StagingTree& tree,
                  const std::string& context) {
  const std::string target = merged_usr_path(entry.path);
  const std::string where = context + ": '" + entry.path + "'";
  const FileMetadata metadata{entry.mode, entry.uid, entry.gid};
  if (target.empty()) return;  // "./": the root exists already
  if (is_merged_top(target)) {
    // base-files ships ./bin/ and ./lib/ as directories; under merged-/usr they are the
    // symlinks into usr/, which stay.
    if (entry.type == oci::EntryType::Directory) return;
    throw Error(where + ": a non-directory at '" + target +
                "' would replace the merged-/usr symlink");
  }
  switch (entry.type) {
    case oci::EntryType::Directory: {
      std::string resolved = tree.resolve(target, context);
      // dpkg keeps an existing symlink where a package ships a directory; what is later
      // written below it is resolved (and checked) through it.
      if (tree.type_of(resolved) == fs::file_type::symlink) return;
      tree.make_directory(resolved, metadata, context);
      return;
    }
    case oci::EntryType::Regular: {
      std::string resolved;
      int fd = tree.open_new_file(target, metadata, context, &resolved);
      try {
        copy_content(content, fd, entry.size, where);
      } catch (...) {
        ::close(fd);
        throw;
      }
      if (::close(fd) != 0) throw_system_error("cannot write", tree.host_path(resolved).string());
      return;
    }
    case oci::EntryType::Symlink:
      tree.make_symlink(target, entry.link_target, context);
      return;
    case oci::EntryType::Hardlink:
      tree.make_hardlink(target, merged_usr_path(entry.link_target), context);
      return;
  }
}

}  // namespace

void create_merged_usr_layout(StagingTree& tree) {
  const std::string context = "merged-/usr layout";
  tree.make_directory("usr", {0755, 0, 0}, context);
  for (const char* top : kMergedDirectories) {
    std::string inside = std::string("usr/") + top;
    tree.make_directory(inside, {0755, 0, 0}, context);
    tree.make_symlink(top, inside, context);
  }
}

UnpackedPackage unpack_deb(const fs::path& deb, StagingTree& tree) {
  UnpackedPackage package;
  std::string context = "package file " + deb.filename().string();
  auto on_control = [&](const DebControlFiles& files) {
    package.name = files.control.get_or("Package", "");
    package.architecture = files.control.get_or("Architecture", "");
    context = "package " + package.name + " (" + deb.filename().string() + ")";
  };
  auto on_entry = [&](const DataEntry& entry, EntryContent& content) {
    package.listed_paths.push_back(entry.path.empty() ? "/." : "/" + entry.path);
    unpack_entry(entry, content, tree, context);
  };
  package.control_files = read_deb(deb, on_entry, on_control);
  return package;
}

}  // namespace nanoforge::rootfs
