// Which Debian archive to read: the suites (by codename), where each is mirrored, and how
// its signature is checked. By default the mirrors are those of the machine's apt sources.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "rootfs/apt_sources.h"

namespace nanoforge::rootfs {

struct SuiteSource {
  std::string suite;   // codename, never "stable": "bookworm", "bookworm-security"
  std::string mirror;  // archive root holding dists/ and pool/: "http://MIRROR/debian"
};

struct RepositoryConfig {
  std::vector<SuiteSource> suites;
  std::vector<std::string> components{"main"};
  std::string architecture = "amd64";
  std::filesystem::path keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
  // Debian's snapshot archive, for locked versions that have left the mirror's pool.
  // "<snapshot_url>/archive/<archive>/<timestamp>/<pool path>" is tried (see lock_file.h).
  std::string snapshot_url = "https://snapshot.debian.org";
  unsigned parallel_downloads = 4;
};

// The suites nanoforge builds from unless the spec says otherwise.
std::vector<std::string> default_suites();  // bookworm, bookworm-updates, bookworm-security

// Suites `suites` (default: default_suites()) mirrored where the apt sources under
// `apt_directory` say. A suite the sources do not list by name takes the mirror of its
// family (a "-security" suite that of another security suite, others that of their base
// codename). Throws nanoforge::Error naming the suite and the files read when no mirror fits.
RepositoryConfig default_repository_config(const std::vector<std::string>& suites = {},
                                           const std::filesystem::path& apt_directory = "/etc/apt");

// Same, from already-parsed sources (testable without /etc/apt).
RepositoryConfig repository_config_from_sources(const std::vector<AptSource>& sources,
                                                const std::vector<std::string>& suites,
                                                const std::string& sources_description);

// The host's Debian architecture name ("amd64", "arm64"), from how nanoforge was compiled.
std::string native_architecture();

}  // namespace nanoforge::rootfs
