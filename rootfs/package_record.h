// One binary package as the archive's Packages index describes it: what the resolver picks,
// the lock file records, the fetcher downloads and the dpkg database is written from.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "rootfs/control.h"

namespace nanoforge::rootfs {

struct PackageRecord {
  std::string name;          // "libc6"
  std::string version;       // "2.36-9+deb12u10", epoch included when there is one
  std::string architecture;  // "amd64" or "all"
  std::string filename;      // pool path relative to the mirror root: "pool/main/g/glibc/libc6_….deb"
  std::string sha256;        // lowercase hex of the .deb, from the signed index or the lock
  std::uint64_t size = 0;    // bytes of the .deb
  // Mirror root the package came from ("http://MIRROR/debian"); the fetcher
  // joins it with `filename`. Empty for records read back from a lock.
  std::string mirror;
  std::string suite;  // the suite whose index offered this version: "bookworm-security"
  // Where else the .deb may be fetched, in order, when the mirror no longer has it (Debian's
  // snapshot archive for an old locked version). The SHA-256 is checked whatever the source.
  std::vector<std::string> fallback_urls;
  // The full stanza from the Packages index (Package, Version, Depends, Description, ...);
  // the dpkg status file is written from it. For records read from a lock it is filled in
  // when the version is still in the loaded index, else holds only the locked fields.
  ControlStanza control;
};

}  // namespace nanoforge::rootfs
