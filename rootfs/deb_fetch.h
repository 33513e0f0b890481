// Downloading the resolved .debs into a cache keyed by their SHA-256:
// <cache_dir>/debs/<sha256>.deb. Nothing from the cache or the network is used before its
// digest is checked against the signed index (or the lock).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "base/progress.h"
#include "rootfs/package_record.h"

namespace nanoforge::rootfs {

struct FetchOptions {
  unsigned parallel = 4;  // concurrent transfers
};

// "<cache_dir>/debs/<sha256>.deb"
std::filesystem::path cached_deb_path(const std::filesystem::path& cache_dir,
                                      const PackageRecord& record);

// Returns the verified cache path of each record, in the same order. Cache entries that hash
// correctly are used as they are; a corrupt one is deleted and fetched again. Missing ones
// are fetched several at once from `mirror/filename`, and if that fails, from each of
// `fallback_urls` in turn. Throws nanoforge::Error naming every package that could not be
// fetched, the URLs tried, and — for a locked version that left the archive — that
// `--update-lock` resolves current versions. Files already fetched stay in the cache.
std::vector<std::filesystem::path> fetch_packages(const std::vector<PackageRecord>& records,
                                                  const std::filesystem::path& cache_dir,
                                                  const ProgressCallback& progress = {},
                                                  const FetchOptions& options = {});

}  // namespace nanoforge::rootfs
