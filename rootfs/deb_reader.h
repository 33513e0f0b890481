// Reads Debian binary packages (.deb): the `ar` container, control.tar.* (control, md5sums,
// conffiles) and the entries of data.tar.*, all through libarchive, streaming (a package is
// never held in memory). Compression: xz, zstd, gzip or none, as dpkg-deb writes them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "oci/layer_entry.h"
#include "rootfs/control.h"

namespace nanoforge::rootfs {

// What control.tar holds that an installed system keeps, and the postinst script. Maintainer
// scripts are never run: rootfs/fixups.h does their work by hand, and rootfs/alternatives.h
// reads the update-alternatives calls of postinst as data.
struct DebControlFiles {
  ControlStanza control;               // the package's control stanza
  std::string md5sums;                 // "md5  path" lines, verbatim ("" when absent)
  std::vector<std::string> conffiles;  // absolute paths, e.g. "/etc/bash.bashrc"
  std::string postinst;                // the script's text ("" when the package has none)
};

// One entry of data.tar.
struct DataEntry {
  std::string path;  // image path as in the package ("usr/bin/bash"), "" for "./"
  oci::EntryType type = oci::EntryType::Regular;
  std::uint32_t mode = 0644;  // permission bits incl. setuid/setgid/sticky
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string link_target;    // Symlink: verbatim; Hardlink: image path of the first name
  std::uint64_t size = 0;     // Regular: content size
};

// The content of the data entry being visited; read() returns 0 at its end.
class EntryContent {
 public:
  virtual ~EntryContent() = default;
  virtual std::size_t read(void* buffer, std::size_t size) = 0;
};

using DataEntryVisitor = std::function<void(const DataEntry&, EntryContent&)>;
using ControlVisitor = std::function<void(const DebControlFiles&)>;

// Reads the whole package: returns control.tar's files and calls `visitor` for each
// data.tar entry in archive order (`on_control`, when given, sees control.tar's files first,
// so errors about data entries can name the package). Throws nanoforge::Error naming the .deb and the member
// for a truncated or corrupt archive, a missing member, a wrong format version, or an
// entry whose path is unsafe ("..") or whose type is unsupported (device, FIFO).
DebControlFiles read_deb(const std::filesystem::path& deb, const DataEntryVisitor& visitor,
                         const ControlVisitor& on_control = {});

// Reads only control.tar (stops before data.tar).
DebControlFiles read_deb_control(const std::filesystem::path& deb);

}  // namespace nanoforge::rootfs
