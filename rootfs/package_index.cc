#include "rootfs/package_index.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/http_download.h"
#include "rootfs/archive_url.h"
#include "rootfs/control.h"
#include "rootfs/debian_version.h"
#include "rootfs/relation.h"
#include "rootfs/release.h"

namespace nanoforge::rootfs {

namespace fs = std::filesystem;

void PackageUniverse::add(PackageRecord record) {
  if (record.architecture != architecture && record.architecture != "all") return;
  auto found = packages_.find(record.name);
  if (found != packages_.end() && compare_versions(found->second.version, record.version) >= 0)
    return;
  providers_current_ = false;
  std::string name = record.name;
  packages_.insert_or_assign(std::move(name), std::move(record));
}

const PackageRecord* PackageUniverse::find(std::string_view name) const {
  auto found = packages_.find(std::string(name));
  return found == packages_.end() ? nullptr : &found->second;
}

void PackageUniverse::index_provides() {
  providers_.clear();
  for (const auto& [name, record] : packages_) {
    auto provides = record.control.get("Provides");
    if (!provides) continue;
    for (const auto& group : parse_relations(*provides, "Provides of " + name))
      for (const auto& provided : group)
        providers_[provided.name].push_back({name, provided.version});
  }
  for (auto& [name, list] : providers_)
    std::sort(list.begin(), list.end(),
              [](const Provision& a, const Provision& b) { return a.package < b.package; });
  providers_current_ = true;
}

const std::vector<Provision>& PackageUniverse::providers(std::string_view virtual_name) const {
  if (!providers_current_) const_cast<PackageUniverse*>(this)->index_provides();
  static const std::vector<Provision> none;
  auto found = providers_.find(std::string(virtual_name));
  return found == providers_.end() ? none : found->second;
}

std::vector<PackageRecord> parse_packages_index(std::string_view text, const std::string& mirror,
                                                const std::string& suite, const std::string& source) {
  std::vector<PackageRecord> records;
  for (auto& stanza : parse_control(text, source)) {
    PackageRecord record;
    auto require = [&](const char* field) {
      auto value = stanza.get(field);
      if (!value)
        throw Error(source + ": package '" + stanza.get_or("Package", "?") + "' has no " +
                    field + " field");
      return *value;
    };
    record.name = require("Package");
    record.version = require("Version");
    record.architecture = require("Architecture");
    record.filename = require("Filename");
    record.sha256 = require("SHA256");
    try {
      record.size = std::stoull(require("Size"));
    } catch (const std::invalid_argument&) {
      throw Error(source + ": package '" + record.name + "' has a malformed Size");
    }
    record.mirror = mirror;
    record.suite = suite;
    record.control = std::move(stanza);
    records.push_back(std::move(record));
  }
  return records;
}

std::string decompress_file(const fs::path& path) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                               archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_raw(reader.get());
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error("cannot open " + path.string() + ": " + archive_error_string(reader.get()));
  archive_entry* entry = nullptr;
  if (archive_read_next_header(reader.get(), &entry) != ARCHIVE_OK)
    throw Error("cannot decompress " + path.string() + ": " + archive_error_string(reader.get()));
  std::string text;
  std::vector<char> buffer(1 << 20);
  while (true) {
    la_ssize_t got = archive_read_data(reader.get(), buffer.data(), buffer.size());
    if (got < 0)
      throw Error("cannot decompress " + path.string() + ": " + archive_error_string(reader.get()));
    if (got == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  return text;
}

namespace {

// One Packages index to obtain: where the signed release says it is and what it hashes to.
struct IndexPlan {
  const SuiteSource* suite = nullptr;
  std::string component;
  std::string compressed_path;  // "main/binary-amd64/Packages.xz"
  ReleaseFileEntry compressed;
  std::optional<ReleaseFileEntry> uncompressed;
  std::string url;
  fs::path compressed_cache;
  fs::path uncompressed_cache;
  bool text_cached = false;  // uncompressed_cache exists and was verified
};

// A cache entry is used only when it still hashes to its name.
bool cache_entry_valid(const fs::path& path, const std::string& sha256) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return false;
  return sha256_of_file(path).hex == sha256;
}

IndexPlan plan_index(const SuiteSource& suite, const Release& release, const std::string& component,
                     const std::string& architecture, const fs::path& index_dir) {
  IndexPlan plan;
  plan.suite = &suite;
  plan.component = component;
  std::string base = component + "/binary-" + architecture + "/Packages";
  std::string release_url = inrelease_url(suite);
  for (const char* extension : {".xz", ".gz", ""}) {
    auto found = release.sha256.find(base + extension);
    if (found != release.sha256.end()) {
      plan.compressed_path = found->first;
      plan.compressed = found->second;
      break;
    }
  }
  if (plan.compressed_path.empty())
    throw Error(release_url + " lists no " + base + ".xz: does the suite '" + suite.suite +
                "' have component '" + component + "' for architecture '" + architecture + "'?");
  if (auto plain = release.sha256.find(base); plain != release.sha256.end())
    plan.uncompressed = plain->second;
  std::string directory = "dists/" + suite.suite + "/";
  plan.url = archive_url(suite.mirror, release.acquire_by_hash
                                           ? directory + component + "/binary-" + architecture +
                                                 "/by-hash/SHA256/" + plan.compressed.sha256
                                           : directory + plan.compressed_path);
  plan.compressed_cache = index_dir / plan.compressed.sha256;
  if (plan.uncompressed) plan.uncompressed_cache = index_dir / plan.uncompressed->sha256;
  return plan;
}

void report(const ProgressCallback& progress, const std::string& step, std::uint64_t done,
            std::uint64_t total, bool finished = false) {
  if (!progress) return;
  ProgressEvent event;
  event.step = step;
  event.done = done;
  event.total = total;
  event.unit = "indices";
  event.finished = finished;
  progress(event);
}

}  // namespace

PackageUniverse load_package_universe(const RepositoryConfig& config, const fs::path& cache_dir,
                                      const ProgressCallback& progress) {
  if (config.suites.empty()) throw Error("no Debian suites configured");
  fs::path index_dir = cache_dir / "indices";
  fs::create_directories(index_dir);

  std::vector<Release> releases;
  releases.reserve(config.suites.size());
  for (const auto& suite : config.suites) {
    report(progress, "verify " + inrelease_url(suite), releases.size(), config.suites.size());
    releases.push_back(fetch_release(suite, config.keyring));
  }

  std::vector<IndexPlan> plans;
  for (std::size_t i = 0; i < config.suites.size(); ++i)
    for (const auto& component : config.components)
      plans.push_back(plan_index(config.suites[i], releases[i], component, config.architecture,
                                 index_dir));

  // Everything not already cached and intact is downloaded together.
  std::vector<DownloadRequest> downloads;
  for (auto& plan : plans) {
    plan.text_cached = plan.uncompressed &&
                       cache_entry_valid(plan.uncompressed_cache, plan.uncompressed->sha256);
    if (plan.text_cached || cache_entry_valid(plan.compressed_cache, plan.compressed.sha256)) continue;
    downloads.push_back({plan.url, plan.compressed_cache,
                         Digest{"sha256", plan.compressed.sha256}, plan.compressed.size});
  }
  if (!downloads.empty()) download_files(downloads, config.parallel_downloads, progress);

  PackageUniverse universe;
  universe.architecture = config.architecture;
  for (const auto& suite : config.suites)
    universe.description += (universe.description.empty() ? "" : ", ") + suite.suite;
  universe.description += " (";
  for (const auto& component : config.components) universe.description += component + ", ";
  universe.description += config.architecture + ")";
  for (std::size_t i = 0; i < config.suites.size(); ++i) {
    // Debian's snapshot service names the security archive "debian-security".
    bool security = releases[i].codename.find("-security") != std::string::npos ||
                    releases[i].suite.find("-security") != std::string::npos;
    universe.suites.push_back({config.suites[i].suite, config.suites[i].mirror,
                               security ? "debian-security" : "debian", releases[i].date});
  }
  std::size_t done = 0;
  for (const auto& plan : plans) {
    std::string source = plan.url;
    report(progress, "read " + plan.suite->suite + "/" + plan.compressed_path, done, plans.size());
    std::string text;
    if (plan.text_cached) {
      text = read_file(plan.uncompressed_cache);
    } else {
      text = decompress_file(plan.compressed_cache);
      if (plan.uncompressed) {
        // The decompressed text is checked too: the signed list names both.
        if (sha256_of(text).hex != plan.uncompressed->sha256)
          throw Error(source + ": decompressed index does not match the SHA-256 of " +
                      plan.component + "/binary-" + config.architecture + "/Packages in " +
                      inrelease_url(*plan.suite));
        write_file_atomically(plan.uncompressed_cache, text);
        fs::remove(plan.compressed_cache);
      }
    }
    for (auto& record : parse_packages_index(text, plan.suite->mirror, plan.suite->suite, source))
      universe.add(std::move(record));
    ++done;
  }
  report(progress, "package indices", done, plans.size(), true);
  return universe;
}

}  // namespace nanoforge::rootfs
