#include "rootfs/lock_file.h"

#include <time.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "base/error.h"
#include "rootfs/archive_url.h"

namespace nanoforge::rootfs {

namespace {

using nlohmann::json;
constexpr int kLockFormat = 1;

std::string snapshot_timestamp(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &parts);
  return text;
}

// A day after the locked time: the snapshot service takes a few snapshots a day, so a
// version published just before the lock may only appear in the next one.
std::string day_later(const std::string& timestamp) {
  std::tm parts{};
  if (!::strptime(timestamp.c_str(), "%Y%m%dT%H%M%SZ", &parts)) return {};
  auto time = std::chrono::system_clock::from_time_t(::timegm(&parts)) + std::chrono::hours(24);
  return snapshot_timestamp(time);
}

template <typename T>
T field(const json& object, const char* name, const std::string& where) {
  auto found = object.find(name);
  if (found == object.end()) throw Error(where + ": missing field '" + name + "'");
  try {
    return found->get<T>();
  } catch (const json::exception&) {
    throw Error(where + ": field '" + std::string(name) + "' has the wrong type");
  }
}

}  // namespace

LockFile make_lock(const Resolution& resolution, const PackageUniverse& universe) {
  LockFile lock;
  lock.architecture = universe.architecture;
  lock.requested = resolution.requested;
  for (const auto& suite : universe.suites) lock.suites.push_back(suite.suite);
  lock.exclusions = resolution.exclusions;
  lock.exclusion_rule = kExclusionRule;
  for (const auto& record : resolution.packages) {
    LockedPackage locked{record.name,  record.version, record.architecture, record.filename,
                         record.sha256, record.size,   record.suite,        "", ""};
    for (const auto& suite : universe.suites)
      if (suite.suite == record.suite) {
        locked.archive = suite.archive;
        locked.snapshot_timestamp = snapshot_timestamp(suite.date);
      }
    lock.packages.push_back(std::move(locked));
  }
  std::sort(lock.packages.begin(), lock.packages.end(),
            [](const LockedPackage& a, const LockedPackage& b) { return a.name < b.name; });
  return lock;
}

void write_lock_file(const std::filesystem::path& path, const LockFile& lock) {
  json packages = json::array();
  for (const auto& package : lock.packages)
    packages.push_back({{"name", package.name},
                        {"version", package.version},
                        {"architecture", package.architecture},
                        {"filename", package.filename},
                        {"sha256", package.sha256},
                        {"size", package.size},
                        {"suite", package.suite},
                        {"archive", package.archive},
                        {"snapshot", package.snapshot_timestamp}});
  json document = {{"nanoforgeRootfsLock", kLockFormat},
                   {"architecture", lock.architecture},
                   {"requested", lock.requested},
                   {"suites", lock.suites},
                   {"exclusions", lock.exclusions},
                   {"exclusionRule", lock.exclusion_rule},
                   {"packages", packages}};
  if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path());
  write_file_atomically(path, document.dump(2) + "\n");
}

LockFile read_lock_file(const std::filesystem::path& path) {
  std::string where = path.string();
  json document;
  try {
    document = json::parse(read_file(path));
  } catch (const json::parse_error& error) {
    throw Error(where + ": not valid JSON: " + error.what());
  }
  if (!document.is_object()) throw Error(where + ": expected a JSON object");
  int format = field<int>(document, "nanoforgeRootfsLock", where);
  if (format != kLockFormat)
    throw Error(where + ": lock format " + std::to_string(format) + " is not supported (expected " +
                std::to_string(kLockFormat) + "); run with --update-lock to write a new one");
  LockFile lock;
  lock.architecture = field<std::string>(document, "architecture", where);
  lock.requested = field<std::vector<std::string>>(document, "requested", where);
  if (document.contains("suites")) lock.suites = field<std::vector<std::string>>(document, "suites", where);
  if (document.contains("exclusions"))
    lock.exclusions = field<std::vector<std::string>>(document, "exclusions", where);
  if (document.contains("exclusionRule")) lock.exclusion_rule = field<int>(document, "exclusionRule", where);
  auto packages = field<json>(document, "packages", where);
  if (!packages.is_array()) throw Error(where + ": field 'packages' must be an array");
  std::size_t index = 0;
  for (const auto& entry : packages) {
    std::string at = where + ": packages[" + std::to_string(index++) + "]";
    LockedPackage package;
    package.name = field<std::string>(entry, "name", at);
    at += " (" + package.name + ")";
    package.version = field<std::string>(entry, "version", at);
    package.architecture = field<std::string>(entry, "architecture", at);
    package.filename = field<std::string>(entry, "filename", at);
    package.sha256 = field<std::string>(entry, "sha256", at);
    package.size = field<std::uint64_t>(entry, "size", at);
    package.suite = entry.value("suite", "");
    package.archive = entry.value("archive", "");
    package.snapshot_timestamp = entry.value("snapshot", "");
    if (!is_sha256_hex(package.sha256))
      throw Error(at + ": 'sha256' must be 64 lowercase hex digits");
    if (package.filename.empty() || package.filename.front() == '/' ||
        package.filename.find("..") != std::string::npos)
      throw Error(at + ": 'filename' must be a relative pool path");
    lock.packages.push_back(std::move(package));
  }
  return lock;
}

bool lock_matches_request(const LockFile& lock, const std::vector<std::string>& requested,
                          const std::vector<std::string>& suites, const std::vector<std::string>& exclusions) {
  auto same = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return std::set<std::string>(a.begin(), a.end()) == std::set<std::string>(b.begin(), b.end());
  };
  return lock.exclusion_rule == kExclusionRule && same(lock.requested, requested) && same(lock.suites, suites) &&
         same(lock.exclusions, exclusions);
}

std::string snapshot_url_for(const std::string& snapshot_url, const LockedPackage& package) {
  return archive_url(snapshot_url, "archive/" + package.archive + "/" + package.snapshot_timestamp + "/" +
                                        package.filename);
}

std::vector<PackageRecord> records_from_lock(const LockFile& lock, const PackageUniverse* universe,
                                             const RepositoryConfig& config) {
  std::vector<PackageRecord> records;
  for (const auto& locked : lock.packages) {
    if (universe) {
      if (const PackageRecord* current = universe->find(locked.name);
          current && current->version == locked.version) {
        if (current->sha256 != locked.sha256)
          throw Error("package " + locked.name + " " + locked.version + ": the archive's SHA-256 " +
                      current->sha256 + " differs from the locked " + locked.sha256 +
                      " (the same version cannot change in Debian: check the mirror)");
        records.push_back(*current);
        continue;
      }
    }
    PackageRecord record;
    record.name = locked.name;
    record.version = locked.version;
    record.architecture = locked.architecture;
    record.filename = locked.filename;
    record.sha256 = locked.sha256;
    record.size = locked.size;
    record.suite = locked.suite;
    for (const auto& suite : config.suites)
      if (suite.suite == locked.suite) record.mirror = suite.mirror;
    if (record.mirror.empty() && !config.suites.empty()) record.mirror = config.suites.front().mirror;
    if (!config.snapshot_url.empty() && !locked.archive.empty() &&
        !locked.snapshot_timestamp.empty()) {
      record.fallback_urls.push_back(snapshot_url_for(config.snapshot_url, locked));
      if (auto later = day_later(locked.snapshot_timestamp); !later.empty()) {
        LockedPackage next_day = locked;
        next_day.snapshot_timestamp = later;
        record.fallback_urls.push_back(snapshot_url_for(config.snapshot_url, next_day));
      }
    }
    record.control.set("Package", record.name);
    record.control.set("Version", record.version);
    record.control.set("Architecture", record.architecture);
    record.control.set("Filename", record.filename);
    record.control.set("Size", std::to_string(record.size));
    record.control.set("SHA256", record.sha256);
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace nanoforge::rootfs
