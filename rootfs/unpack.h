// Unpacks .deb packages into a staging tree the way dpkg --unpack would, minus the
// maintainer scripts (rootfs/fixups.h does their work): merged-/usr applied, modes and
// owners taken from the package's tar (into the tree's metadata table, not the host's
// owners), conffiles unpacked in place, and nothing ever written through a symlink that
// points out of the root.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "rootfs/deb_reader.h"
#include "rootfs/slimming.h"
#include "rootfs/staging_tree.h"

namespace nanoforge::rootfs {

struct UnpackedPackage {
  std::string name;          // "libc6"
  std::string architecture;  // "amd64", "all"
  DebControlFiles control_files;
  // The package's paths as dpkg's info/<pkg>.list holds them: "/.", "/bin", "/bin/dash", ...
  // (the paths of the package, before the merged-/usr rewrite, as dpkg records them).
  // Excluded paths are listed too, as dpkg lists them.
  std::vector<std::string> listed_paths;
  // Bytes of the regular files not written because a slimming rule excludes them.
  std::uint64_t excluded_bytes = 0;
};

// Creates usr/{bin,sbin,lib,lib64} and the root symlinks bin -> usr/bin, sbin -> usr/sbin,
// lib -> usr/lib, lib64 -> usr/lib64 (what usrmerge/usr-is-merged leave behind). Call
// before the first unpack_deb.
void create_merged_usr_layout(StagingTree& tree);

// Unpacks one package. Files and symlinks that `exclusions` exclude (matched on the package's
// path, as dpkg's path-exclude filters are) are not written at all: on a disk where creating
// a file costs more than its content, writing the documentation only to delete it again was
// 40% of the unpack. Directories are always made; slim_tree() removes those left empty.
// Throws nanoforge::Error naming the package and the path for unsafe entries ("..", writing
// through an absolute symlink or one leaving the root, a relative symlink target climbing
// above the root), for a hard link to an excluded file, and for corrupt archives.
UnpackedPackage unpack_deb(const std::filesystem::path& deb, StagingTree& tree,
                           const std::vector<SlimRule>& exclusions = {});

// unpack_deb for each package, in order, with the same result; the packages are decompressed
// on several threads ahead of the one writing the tree (xz decompression is most of the time
// an unpack takes once the tree is in RAM). `on_unpacked` gets the count written so far.
std::vector<UnpackedPackage> unpack_debs(const std::vector<std::filesystem::path>& debs, StagingTree& tree,
                                         const std::vector<SlimRule>& exclusions,
                                         const std::function<void(std::size_t)>& on_unpacked = {});

}  // namespace nanoforge::rootfs
