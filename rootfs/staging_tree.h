// The root file system being assembled: a directory on the host holding the content, plus
// a table of the modes and owners the image must have. The table, not the host's file
// owners, is what goes into the layer, so the image does not depend on who runs the build.
//
// Every write goes through this class, which never follows a symlink inside the tree: an
// absolute symlink points at the HOST when the tree is a host directory, and a relative one
// with enough "../" climbs out of it.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/layer_entry.h"

namespace nanoforge::rootfs {

struct FileMetadata {
  std::uint32_t mode = 0644;  // permission bits incl. setuid/setgid/sticky
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  friend bool operator==(const FileMetadata&, const FileMetadata&) = default;
};

class StagingTree {
 public:
  // Uses `root` (created when missing) as the tree's top directory.
  explicit StagingTree(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  // The host path of an image path; only for paths resolve() returned or the tree created.
  std::filesystem::path host_path(std::string_view image_path) const;

  // Resolves the PARENT directories of `image_path` inside the tree: directory symlinks
  // with relative targets that stay inside the root are followed lexically, missing
  // directories are created (0755 root), and an absolute symlink or one that climbs out of
  // the root is refused with an Error naming `context`, the path and the symlink. The last
  // component is returned as is (never followed). Returns the resolved image path.
  std::string resolve(std::string_view image_path, const std::string& context);

  // What lstat says about a resolved image path, or nullopt when it does not exist.
  std::optional<std::filesystem::file_type> type_of(std::string_view image_path) const;
  bool exists(std::string_view image_path) const { return type_of(image_path).has_value(); }

  // Writers: each resolves parents, replaces what is at the path (a symlink is replaced,
  // never written through), applies the mode on disk and records `metadata`.
  void write_file(std::string_view image_path, std::string_view content, FileMetadata metadata,
                  const std::string& context);
  void make_directory(std::string_view image_path, FileMetadata metadata,
                      const std::string& context);
  // Refuses a relative target that climbs above the root; absolute targets are kept (they
  // are resolved inside the container, and this class never follows them).
  void make_symlink(std::string_view image_path, const std::string& target,
                    const std::string& context);
  // `existing` must be a regular file already in the tree.
  void make_hardlink(std::string_view image_path, std::string_view existing,
                     const std::string& context);
  // Reads a regular file of the tree (refusing symlinks); throws Error naming the path.
  std::string read_file(std::string_view image_path) const;
  // Removes a path (recursively for directories) and its metadata.
  void remove(std::string_view image_path);

  void set_metadata(const std::string& image_path, FileMetadata metadata);
  std::optional<FileMetadata> metadata(const std::string& image_path) const;

  // The whole tree as layer entries: content, types and link targets from disk, modes and
  // owners from the table (root and the on-disk mode for paths it does not know). Hard
  // links inside the tree become Hardlink entries. The root itself is not an entry.
  std::vector<oci::LayerEntry> entries() const;

 private:
  // Creates a new regular file for write_file; the caller closes the returned descriptor.
  // `resolved_path` receives the resolved image path.
  int open_new_file(std::string_view image_path, FileMetadata metadata, const std::string& context,
                    std::string* resolved_path);

  std::filesystem::path root_;
  std::map<std::string, FileMetadata> metadata_;
};

// Applies merged-/usr to an image path: "bin/x" -> "usr/bin/x", likewise sbin, lib and
// lib64; "bin" itself stays "bin" (it is the symlink at the root).
std::string merged_usr_path(const std::string& image_path);

}  // namespace nanoforge::rootfs
