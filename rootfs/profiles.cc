#include "rootfs/profiles.h"

#include <algorithm>

#include "base/error.h"

namespace nanoforge::rootfs {

namespace {

// What `python3.12` with --enable-shared links against or dlopens from lib-dynload
// (_ssl/_hashlib, _ctypes, zlib, _bz2, _lzma, _sqlite3, pyexpat, _uuid, _curses, readline,
// _dbm/_gdbm, _crypt), and libgcc_s for pthread cancellation.
const std::vector<std::string> kPythonRuntimeLibraries = {
    "libssl3",     "libffi8",      "zlib1g",          "libbz2-1.0", "liblzma5",
    "libsqlite3-0", "libexpat1",   "libuuid1",        "libncursesw6", "libtinfo6",
    "libreadline8", "libgdbm6",    "libgdbm-compat4", "libcrypt1",  "libgcc-s1",
};

}  // namespace

std::vector<std::string> profile_names() { return {"minimal", "standard", "nanobot"}; }

std::vector<std::string> profile_packages(const std::string& profile) {
  std::vector<std::string> packages;
  if (profile == "standard" || profile == "nanobot") {
    packages = {"base-files", "libc6",           "libc-bin", "bash",    "coreutils", "curl",
                "debianutils", "ca-certificates", "tzdata",   "netbase", "tini"};
    // What upstream Nanobot's own image installs (its Dockerfile at 3852956a: apt-get install
    // git bubblewrap openssh-client libmagic1): git for the agent's repositories, ssh for
    // git over SSH, libmagic for python-magic (the WhatsApp channel), bubblewrap for the
    // exec tool's sandbox; and what its debian:bookworm-slim base has that git's shell-script
    // commands (git submodule, git-sh-setup) and the agent's exec tool call: sed, grep, find,
    // awk, tar, gzip.
    if (profile == "nanobot")
      packages.insert(packages.end(), {"git", "openssh-client", "libmagic1", "bubblewrap", "sed", "grep", "findutils",
                                       "mawk", "tar", "gzip"});
  } else if (profile == "minimal") {
    packages = {"base-files", "libc6", "libc-bin", "dash", "ca-certificates", "tzdata", "netbase", "tini"};
  } else {
    throw Error("unknown rootfs profile '" + profile + "': expected 'standard', 'minimal' or 'nanobot'");
  }
  packages.insert(packages.end(), kPythonRuntimeLibraries.begin(), kPythonRuntimeLibraries.end());
  return packages;
}

std::vector<std::string> packages_for(const std::string& profile,
                                      const std::vector<std::string>& extras) {
  auto packages = profile_packages(profile);
  for (const auto& extra : extras)
    if (std::find(packages.begin(), packages.end(), extra) == packages.end())
      packages.push_back(extra);
  return packages;
}

}  // namespace nanoforge::rootfs
