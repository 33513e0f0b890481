// The package sets of the spec's `profile:` key, plus the user's extra packages.
#pragma once
#include <string>
#include <vector>

namespace nanoforge::rootfs {

// "standard": the Nanobot runtime — bash, coreutils, curl, `which`, CA certificates, time
// zones, netbase, libc-bin (the C.UTF-8 locale the image's LANG names, getent, ldd, iconv),
// and the shared libraries a CPython 3.12 built with --enable-shared loads.
// "minimal": dash for /bin/sh, libc-bin and the same libraries; no bash, curl or coreutils.
// "nanobot": "standard" plus what upstream Nanobot's own image installs for the real app (git,
// openssh-client, libmagic1, bubblewrap) and the tools of its slim base that git's scripts
// call (sed, grep, findutils, mawk, tar, gzip).
std::vector<std::string> profile_packages(const std::string& profile);

// The profile's packages followed by `extras` not already in it, in that order. Throws
// nanoforge::Error naming the profile when it is unknown (and listing the known ones).
std::vector<std::string> packages_for(const std::string& profile,
                                      const std::vector<std::string>& extras);

std::vector<std::string> profile_names();  // "minimal", "standard", "nanobot"

}  // namespace nanoforge::rootfs
