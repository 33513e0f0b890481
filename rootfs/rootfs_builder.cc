#include "rootfs/rootfs_builder.h"

#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "base/error.h"
#include "oci/layer_writer.h"
#include "base/removed_on_exit.h"
#include "oci/tarball_entries.h"
#include "rootfs/alternatives.h"
#include "rootfs/deb_fetch.h"
#include "rootfs/dpkg_database.h"
#include "rootfs/package_index.h"
#include "rootfs/profiles.h"
#include "rootfs/python_guard.h"
#include "rootfs/resolver.h"
#include "rootfs/staging_tree.h"
#include "rootfs/unpack.h"

namespace nanoforge::rootfs {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Bump when the tree built from the same inputs changes (a new fix-up, a different layout).
// 3: an archive, excluded files never unpacked; 4: update-alternatives reproduced from postinst.
constexpr const char* kTreeFormat = "nanoforge-rootfs-tree-4";

void report(const ProgressCallback& progress, const std::string& step, std::uint64_t done,
            std::uint64_t total, bool finished = false) {
  if (progress) progress(ProgressEvent{step, done, total, "packages", finished});
}

std::size_t count_certificates(const StagingTree& tree) {
  const std::string bundle_path = "etc/ssl/certs/ca-certificates.crt";
  if (tree.type_of(bundle_path) != fs::file_type::regular) return 0;
  std::string bundle = tree.read_file(bundle_path);
  std::size_t count = 0;
  for (auto at = bundle.find("-----BEGIN CERTIFICATE-----"); at != std::string::npos;
       at = bundle.find("-----BEGIN CERTIFICATE-----", at + 1))
    ++count;
  return count;
}

// Reads a finished tree from the cache: its record and the entries of its archive.
RootfsResult load_cached_tree(const fs::path& directory, const LockFile& lock, const std::string& key) {
  RootfsResult result;
  result.tree_archive = directory / "tree.tar";
  result.entries = oci::read_tarball_entries(result.tree_archive, "");
  try {
    json record = json::parse(read_file(directory / "record.json"));
    for (const auto& package : record.at("packages"))
      result.packages.push_back({package.at("name"), package.at("version"), package.at("architecture")});
    result.slimmed_bytes = record.at("slimmed_bytes");
    result.ca_certificates = record.at("ca_certificates");
    result.alternatives = record.value("alternatives", std::vector<std::string>{});
    result.notes = record.value("notes", std::vector<std::string>{});
  } catch (const json::exception& error) {
    throw Error((directory / "record.json").string() + ": not a valid rootfs record: " + error.what());
  }
  std::sort(result.packages.begin(), result.packages.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  result.lock = lock;
  result.cache_key = key;
  result.file_count = result.entries.size();
  for (const auto& entry : result.entries)
    if (entry.type == oci::EntryType::Regular) result.installed_bytes += entry.size;
  return result;
}

// Where the tree is assembled: a RAM file system when one with room is writable, else beside
// the cache. Creating a file is what unpacking does two thousand times, and on the disks
// measured it cost about 1 ms against 0.1 ms on tmpfs; the tree is thrown away once it is
// archived, so it never needs to be on a disk.
fs::path scratch_parent(const fs::path& fallback) {
  constexpr std::uint64_t kRoomNeeded = 1ull << 30;  // the standard tree is 48 MB; leave the rest to others
  for (const char* candidate : {static_cast<const char*>(std::getenv("XDG_RUNTIME_DIR")), "/dev/shm"}) {
    struct statfs info {};
    if (!candidate || !*candidate || ::statfs(candidate, &info) != 0 || info.f_type != TMPFS_MAGIC) continue;
    if (static_cast<std::uint64_t>(info.f_bavail) * static_cast<std::uint64_t>(info.f_bsize) < kRoomNeeded) continue;
    if (::access(candidate, W_OK | X_OK) == 0) return candidate;
  }
  return fallback;
}

fs::path make_scratch_directory(const fs::path& parent) {
  fs::create_directories(parent);
  std::string name = (parent / "nanoforge-rootfs-XXXXXX").string();
  if (!::mkdtemp(name.data())) throw_system_error("cannot create a scratch directory in", parent.string());
  return name;
}

std::vector<std::string> names_of(const LockFile& lock) {
  std::vector<std::string> names;
  for (const auto& package : lock.packages) names.push_back(package.name);
  return names;
}

}  // namespace

std::string rootfs_cache_key(const LockFile& lock, const RootfsOptions& options) {
  json inputs;
  inputs["format"] = kTreeFormat;
  inputs["architecture"] = lock.architecture;
  for (const auto& package : lock.packages)
    inputs["packages"].push_back({package.name, package.version, package.architecture, package.sha256});
  const RuntimeUser& user = options.fixups.user;
  inputs["user"] = {user.name, user.uid, user.gid, user.home};
  inputs["timezone"] = options.fixups.timezone;
  for (const auto& rule : options.slim_rules) inputs["slim"].push_back({rule.include, rule.pattern});
  // The host's ldconfig writes etc/ld.so.cache into the tree (fixups.h): another ldconfig
  // (a glibc update on the build machine) may write other bytes.
  std::error_code missing;
  inputs["ldconfig"] = fs::is_regular_file(options.fixups.ldconfig, missing)
                           ? sha256_of_file(options.fixups.ldconfig).str()
                           : "none at " + options.fixups.ldconfig.string();
  return sha256_of(inputs.dump()).str();
}

RepositoryConfig repository_for(const RootfsOptions& options) {
  return options.repository.suites.empty() ? default_repository_config() : options.repository;
}

namespace {

ResolveOptions resolve_options_for(const RootfsOptions& options) {
  ResolveOptions resolve_options;
  if (!options.exclusions.empty()) resolve_options.exclusions = options.exclusions;
  return resolve_options;
}

}  // namespace

Resolution resolve_rootfs_request(const PackageUniverse& universe, const RootfsOptions& options) {
  const std::vector<std::string> requested = packages_for(options.profile, options.extra_packages);
  check_no_python_packages(requested);
  Resolution resolution = resolve_packages(universe, requested, resolve_options_for(options));
  std::vector<std::string> names;
  for (const auto& record : resolution.packages) names.push_back(record.name);
  check_no_python_packages(names);
  return resolution;
}

RootfsResult build_rootfs(const RootfsOptions& options, const fs::path& cache_dir,
                          const ProgressCallback& progress) {
  const std::vector<std::string> requested = packages_for(options.profile, options.extra_packages);
  check_no_python_packages(requested);
  RepositoryConfig config = repository_for(options);

  // The package set: the lock when it was made for this request, else a fresh resolution.
  LockFile lock;
  bool from_lock = false;
  if (!options.lock_file.empty() && !options.update_lock && fs::exists(options.lock_file)) {
    lock = read_lock_file(options.lock_file);
    std::vector<std::string> suites;
    for (const auto& suite : config.suites) suites.push_back(suite.suite);
    ResolveOptions resolve_options = resolve_options_for(options);
    std::vector<std::string> exclusions = resolve_options.exclusions;
    exclusions.insert(exclusions.end(), resolve_options.script_only.begin(), resolve_options.script_only.end());
    from_lock = lock_matches_request(lock, requested, suites, exclusions);
  }
  std::vector<PackageRecord> records;
  if (!from_lock) {
    PackageUniverse universe = load_package_universe(config, cache_dir, progress);
    Resolution resolution = resolve_rootfs_request(universe, options);
    lock = make_lock(resolution, universe);
    records = resolution.packages;
  }
  check_no_python_packages(names_of(lock));  // a hand-edited lock is checked too

  const std::string key = rootfs_cache_key(lock, options);
  const fs::path trees = cache_dir / "rootfs";
  const fs::path finished = trees / Digest::parse(key).hex;
  if (fs::exists(finished / "record.json")) {
    if (!from_lock && !options.lock_file.empty()) write_lock_file(options.lock_file, lock);
    RootfsResult result = load_cached_tree(finished, lock, key);
    result.reused = true;
    return result;
  }

  if (from_lock) records = records_from_lock(lock, nullptr, config);
  FetchOptions fetch_options;
  fetch_options.parallel = config.parallel_downloads;
  std::vector<fs::path> debs = fetch_packages(records, cache_dir, progress, fetch_options);

  // Assembled in a scratch directory, archived into a directory under a temporary name, and
  // that renamed whole: a failed build leaves no tree behind and never touches a finished one.
  const fs::path scratch = make_scratch_directory(options.scratch_dir.empty() ? scratch_parent(trees) : options.scratch_dir);
  RemovedOnExit remove_scratch(scratch);
  const fs::path partial = trees / (finished.filename().string() + ".partial-" + std::to_string(::getpid()));
  fs::remove_all(partial);
  RemovedOnExit cleanup(partial);

  StagingTree tree(scratch / "tree");
  create_merged_usr_layout(tree);
  report(progress, "unpack", 0, debs.size());  // one step, so its time is the whole unpack
  std::vector<UnpackedPackage> unpacked = unpack_debs(
      debs, tree, options.slim_rules, [&](std::size_t done) { report(progress, "unpack", done, debs.size()); });
  report(progress, "unpack", debs.size(), debs.size(), true);

  // The maintainer scripts' update-alternatives calls, as data (alternatives.h).
  std::vector<AlternativeInstall> installs;
  std::vector<std::string> notes;
  for (const auto& package : unpacked) {
    AlternativeCalls calls = find_alternative_installs(package.name, package.control_files.postinst);
    installs.insert(installs.end(), calls.installs.begin(), calls.installs.end());
    for (auto& unreadable : calls.unreadable) notes.push_back("update-alternatives call not reproduced: " + unreadable);
  }
  AppliedAlternatives alternatives = apply_alternatives(tree, installs, [&](const std::string& path) {
    auto start = path.find_first_not_of('/');
    return start != std::string::npos && is_excluded(options.slim_rules, path.substr(start));
  });
  for (auto& skipped : alternatives.skipped) notes.push_back("update-alternatives: " + skipped);
  apply_fixups(tree, options.fixups);
  write_dpkg_database(tree, unpacked);
  SlimResult slimmed = slim_tree(tree, options.slim_rules);
  std::vector<oci::LayerEntry> entries = tree.entries();
  check_no_python_files(entries);

  json record;
  record["packages"] = json::array();
  for (const auto& package : unpacked)
    record["packages"].push_back({{"name", package.name},
                                  {"version", package.control_files.control.get_or("Version", "")},
                                  {"architecture", package.architecture}});
  std::uint64_t slimmed_bytes = slimmed.bytes_removed;  // left after unpack (e.g. by a fix-up)
  for (const auto& package : unpacked) slimmed_bytes += package.excluded_bytes;
  record["slimmed_bytes"] = slimmed_bytes;
  record["ca_certificates"] = count_certificates(tree);
  record["alternatives"] = alternatives.names;
  record["notes"] = notes;
  fs::create_directories(partial);
  {
    // The tree as one plain tar: one file to write and read back, where the tree is thousands.
    AtomicFile archive(partial / "tree.tar");
    oci::write_tar(std::move(entries), 0, [&](const void* data, std::size_t size) { archive.write(data, size); });
    archive.commit();
  }
  write_file_atomically(partial / "record.json", record.dump(2));

  std::error_code error;
  fs::rename(partial, finished, error);
  if (error && !fs::exists(finished / "record.json"))  // another build may have finished it first
    throw Error("cannot store the root file system in " + finished.string() + ": " + error.message());
  if (!options.lock_file.empty() && !from_lock) write_lock_file(options.lock_file, lock);
  return load_cached_tree(finished, lock, key);
}

}  // namespace nanoforge::rootfs
