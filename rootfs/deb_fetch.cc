#include "rootfs/deb_fetch.h"

#include <map>

#include "base/digest.h"
#include "base/error.h"
#include "base/http_download.h"
#include "rootfs/archive_url.h"

namespace nanoforge::rootfs {

namespace fs = std::filesystem;

namespace {

// A cache entry counts only if it hashes to its name; anything else is removed so it can
// never be used by mistake.
bool cache_entry_intact(const fs::path& path, const PackageRecord& record) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return false;
  if (fs::file_size(path, error) == record.size && sha256_of_file(path).hex == record.sha256)
    return true;
  fs::remove(path, error);
  return false;
}

std::string primary_url(const PackageRecord& record) {
  if (record.mirror.empty()) return {};
  return archive_url(record.mirror, record.filename);
}

}  // namespace

fs::path cached_deb_path(const fs::path& cache_dir, const PackageRecord& record) {
  if (!is_sha256_hex(record.sha256))
    throw Error("package " + record.name + " " + record.version + ": SHA-256 '" + record.sha256 +
                "' is not 64 lowercase hex digits");
  return cache_dir / "debs" / (record.sha256 + ".deb");
}

std::vector<fs::path> fetch_packages(const std::vector<PackageRecord>& records,
                                     const fs::path& cache_dir, const ProgressCallback& progress,
                                     const FetchOptions& options) {
  std::vector<fs::path> paths;
  paths.reserve(records.size());
  std::vector<const PackageRecord*> missing;
  for (const auto& record : records) {
    paths.push_back(cached_deb_path(cache_dir, record));
    if (!cache_entry_intact(paths.back(), record)) missing.push_back(&record);
  }
  if (missing.empty()) return paths;
  fs::create_directories(cache_dir / "debs");

  // Round one: every missing package from its mirror, several at once.
  std::map<const PackageRecord*, std::string> failures;
  std::vector<DownloadRequest> requests;
  for (const PackageRecord* record : missing) {
    std::string url = primary_url(*record);
    if (url.empty()) {
      failures[record] = "no mirror known";
      continue;
    }
    requests.push_back({url, cached_deb_path(cache_dir, *record),
                        Digest{"sha256", record->sha256}, record->size});
  }
  try {
    download_files(requests, options.parallel, progress);
  } catch (const Error& error) {
    // Which ones failed is read back from the cache below; the messages name each URL.
    std::string all = error.what();
    for (const PackageRecord* record : missing) {
      auto url = primary_url(*record);
      if (url.empty()) continue;
      auto at = all.find(url);
      if (at == std::string::npos) continue;
      auto end = all.find('\n', at);
      failures[record] = all.substr(at, end == std::string::npos ? std::string::npos : end - at);
    }
  }

  // Round two: what the mirror no longer has, from the fallbacks (the snapshot archive).
  std::string report;
  for (const PackageRecord* record : missing) {
    fs::path path = cached_deb_path(cache_dir, *record);
    if (cache_entry_intact(path, *record)) continue;
    std::string tried = failures.count(record) ? failures[record] : "not fetched";
    bool fetched = false;
    for (const auto& url : record->fallback_urls) {
      try {
        download_file({url, path, Digest{"sha256", record->sha256}, record->size}, progress);
        fetched = true;
        break;
      } catch (const Error& error) {
        tried += "; " + std::string(error.what());
      }
    }
    if (fetched) continue;
    report += "\n  " + record->name + " " + record->version + " (" + record->filename + "): " + tried;
  }
  if (!report.empty())
    throw Error("cannot fetch these packages:" + report +
                "\nIf they come from a lock file and their versions have left the archive (and "
                "Debian's snapshot archive is unreachable), run again with --update-lock to "
                "resolve current versions.");
  return paths;
}

}  // namespace nanoforge::rootfs
