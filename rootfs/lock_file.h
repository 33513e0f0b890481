// The rootfs lock: the exact packages a resolution chose, so later builds install the same
// bytes even after the archive moves on. JSON, written atomically; `--update-lock` makes a
// new one. A locked version that has left the mirror's pool is fetched from Debian's
// snapshot archive at the time the lock was made.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "rootfs/package_index.h"
#include "rootfs/package_record.h"
#include "rootfs/repository_config.h"
#include "rootfs/resolver.h"

namespace nanoforge::rootfs {

struct LockedPackage {
  std::string name;
  std::string version;
  std::string architecture;
  std::string filename;  // pool path
  std::string sha256;
  std::uint64_t size = 0;
  std::string suite;              // "bookworm-security"
  std::string archive;            // snapshot archive: "debian" or "debian-security"
  std::string snapshot_timestamp; // "20261127T021032Z": the suite's InRelease Date at lock time
};

struct LockFile {
  std::string architecture;
  std::vector<std::string> requested;  // as the resolver was asked, in order
  std::vector<LockedPackage> packages; // in name order
  // What else decided the resolution: the suites read, the exclusion list and the version of
  // the exclusion rule (resolver.h). A lock without them predates them and matches nothing.
  std::vector<std::string> suites;
  std::vector<std::string> exclusions;
  int exclusion_rule = 0;
};

// The exclusion rule the resolver applies (resolver.h); 2: a Depends of a package that is not
// excluded brings an excluded package in.
inline constexpr int kExclusionRule = 2;

// The lock for a resolution made against `universe` (its suites and the resolution's
// exclusions recorded).
LockFile make_lock(const Resolution& resolution, const PackageUniverse& universe);

// Writes the lock as JSON, atomically (temporary file, fsync, rename).
void write_lock_file(const std::filesystem::path& path, const LockFile& lock);
// Reads a lock; throws nanoforge::Error naming the file and the field that is missing or wrong.
LockFile read_lock_file(const std::filesystem::path& path);

// Whether the lock was made for exactly this request: the same package names, suites and
// exclusions (each in any order) under the current exclusion rule; if not, the caller
// resolves afresh.
bool lock_matches_request(const LockFile& lock, const std::vector<std::string>& requested,
                          const std::vector<std::string>& suites, const std::vector<std::string>& exclusions);

// The records to fetch for a lock. A locked version the loaded indices still offer comes with
// its full control stanza and mirror; any other is taken from the mirror of its suite in
// `config` and, failing that, from `config.snapshot_url` (see PackageRecord::fallback_urls);
// its control stanza then holds only the locked fields, and the .deb's own control file is
// the authority. `universe` may be null (no index loaded: an offline rebuild).
std::vector<PackageRecord> records_from_lock(const LockFile& lock, const PackageUniverse* universe,
                                             const RepositoryConfig& config);

// "<snapshot_url>/archive/<archive>/<timestamp>/<filename>", joined as archive_url() does.
// Throws nanoforge::Error naming `snapshot_url` when it is not a URL.
std::string snapshot_url_for(const std::string& snapshot_url, const LockedPackage& package);

}  // namespace nanoforge::rootfs
