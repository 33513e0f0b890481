// Unpacks .deb packages into a staging tree the way dpkg --unpack would, minus the
// maintainer scripts (rootfs/fixups.h does their work): merged-/usr applied, modes and
// owners taken from the package's tar (into the tree's metadata table, not the host's
// owners), conffiles unpacked in place, and nothing ever written through a symlink that
// points out of the root.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "rootfs/deb_reader.h"
#include "rootfs/staging_tree.h"

namespace nanoforge::rootfs {

struct UnpackedPackage {
  std::string name;          // "libc6"
  std::string architecture;  // "amd64", "all"
  DebControlFiles control_files;
  // The package's paths as dpkg's info/<pkg>.list holds them: "/.", "/bin", "/bin/dash", ...
  // (the paths of the package, before the merged-/usr rewrite, as dpkg records them).
  std::vector<std::string> listed_paths;
};

// Creates usr/{bin,sbin,lib,lib64} and the root symlinks bin -> usr/bin, sbin -> usr/sbin,
// lib -> usr/lib, lib64 -> usr/lib64 (what usrmerge/usr-is-merged leave behind). Call
// before the first unpack_deb.
void create_merged_usr_layout(StagingTree& tree);

// Unpacks one package. Throws nanoforge::Error naming the package and the path for unsafe
// entries ("..", writing through an absolute symlink or one leaving the root, a relative
// symlink target climbing above the root) and for corrupt archives.
UnpackedPackage unpack_deb(const std::filesystem::path& deb, StagingTree& tree);

}  // namespace nanoforge::rootfs
