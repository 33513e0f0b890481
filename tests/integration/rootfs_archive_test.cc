// The repository client and resolver against the real Debian archive, through the mirror of
// this machine's apt sources: the `standard` profile holds no Python, and resolves to the
// set `apt-get install --simulate` picks in an empty root (minus the script-only packages
// and what only they pull in). Locks are made during the run; no version is written here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>

#include "base/error.h"
#include "rootfs/deb_fetch.h"
#include "rootfs/lock_file.h"
#include "rootfs/package_index.h"
#include "rootfs/profiles.h"
#include "rootfs/relation.h"
#include "rootfs/resolver.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using nanoforge::testing::run;
using nanoforge::testing::shell_quote;
using nanoforge::testing::TempDir;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One cold load per test run (the indices are big); the other cases share it.
struct LoadedArchive {
  TempDir cache{"nanoforge-archive-cache"};
  RepositoryConfig config;
  PackageUniverse universe;
  std::string unavailable;
  double cold_seconds = 0;
  double warm_seconds = 0;
};

LoadedArchive& archive() {
  static LoadedArchive loaded;
  static bool attempted = false;
  if (attempted) return loaded;
  attempted = true;
  try {
    loaded.config = default_repository_config();
    auto start = std::chrono::steady_clock::now();
    loaded.universe = load_package_universe(loaded.config, loaded.cache.path());
    loaded.cold_seconds = seconds_since(start);
    start = std::chrono::steady_clock::now();
    loaded.universe = load_package_universe(loaded.config, loaded.cache.path());
    loaded.warm_seconds = seconds_since(start);
  } catch (const Error& error) {
    loaded.unavailable = error.what();
  }
  return loaded;
}

std::set<std::string> names_of(const Resolution& resolution) {
  std::set<std::string> names;
  for (const auto& record : resolution.packages) names.insert(record.name);
  return names;
}

std::string joined(const std::set<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : " ") + name;
  return text;
}

// What apt chooses for `packages` in an empty root, with the machine's sources.
std::set<std::string> apt_simulate(const std::vector<std::string>& packages, std::string& log) {
  TempDir root{"nanoforge-aptroot"};
  auto r = root.path().string();
  std::string setup = "mkdir -p " + shell_quote(r) + "/etc/apt/sources.list.d " + shell_quote(r) +
                      "/etc/apt/apt.conf.d " + shell_quote(r) + "/etc/apt/preferences.d " +
                      shell_quote(r) + "/var/lib/apt/lists/partial " + shell_quote(r) +
                      "/var/cache/apt/archives/partial " + shell_quote(r) + "/var/lib/dpkg && : > " +
                      shell_quote(r + "/var/lib/dpkg/status") +
                      " && cp /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list " +
                      shell_quote(r) + "/etc/apt/sources.list.d/ 2>/dev/null;"
                      " cp /etc/apt/sources.list " + shell_quote(r) + "/etc/apt/ 2>/dev/null; true";
  REQUIRE(run(setup).exit_code == 0);
  std::string apt = "apt-get -q -o Dir=" + shell_quote(r) + " -o Dir::State::status=" +
                    shell_quote(r + "/var/lib/dpkg/status") + " -o Dir::Etc=" +
                    shell_quote(r + "/etc/apt") + " -o Debug::NoLocking=1 -o APT::Architecture=amd64"
                    " -o APT::Install-Recommends=false";
  auto update = run(apt + " update");
  log = update.output;
  REQUIRE(update.exit_code == 0);
  std::string list;
  for (const auto& name : packages) list += " " + shell_quote(name);
  auto simulate = run(apt + " install --simulate" + list);
  log += simulate.output;
  REQUIRE(simulate.exit_code == 0);
  std::set<std::string> chosen;
  std::istringstream lines(simulate.output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("Inst ", 0) == 0) chosen.insert(line.substr(5, line.find(' ', 5) - 5));
  return chosen;
}

}  // namespace

TEST_CASE("the standard profile resolves without any Python package", "[rootfs-archive]") {
  auto& loaded = archive();
  if (!loaded.unavailable.empty()) NANOFORGE_SKIP("Debian mirror unusable: " + loaded.unavailable);
  auto start = std::chrono::steady_clock::now();
  auto resolution = resolve_packages(loaded.universe, packages_for("standard", {}));
  double resolve_seconds = seconds_since(start);
  for (const auto& record : resolution.packages) {
    INFO(record.name << " came in as: " << resolution.explain(record.name));
    CHECK(record.name.rfind("python", 0) != 0);
    CHECK(record.name.rfind("libpython", 0) != 0);
  }
  for (const auto& excluded : default_exclusions()) CHECK_FALSE(names_of(resolution).count(excluded));
  CHECK(names_of(resolution).count("libssl3"));
  CHECK(resolution.explain("libcurl4").rfind("curl (requested) -> libcurl4", 0) == 0);
  std::uint64_t bytes = 0;
  for (const auto& record : resolution.packages) bytes += record.size;
  std::printf("rootfs archive: %zu packages in the universe; indices cold %.2f s, warm %.2f s; "
              "standard resolves to %zu packages (%.1f MB of .debs) in %.3f s\n",
              loaded.universe.size(), loaded.cold_seconds, loaded.warm_seconds,
              resolution.packages.size(), bytes / 1e6, resolve_seconds);
  auto minimal = resolve_packages(loaded.universe, packages_for("minimal", {}));
  CHECK(names_of(minimal).count("dash"));
  CHECK_FALSE(names_of(minimal).count("bash"));
  CHECK_FALSE(names_of(minimal).count("coreutils"));
  CHECK_FALSE(names_of(minimal).count("curl"));
}

TEST_CASE("the resolved set is what apt-get --simulate picks, minus script-only packages",
          "[rootfs-archive]") {
  auto& loaded = archive();
  if (!loaded.unavailable.empty()) NANOFORGE_SKIP("Debian mirror unusable: " + loaded.unavailable);
  if (run("command -v apt-get").exit_code != 0) NANOFORGE_SKIP("apt-get is not installed");
  auto request = packages_for("standard", {});
  std::string log;
  auto apt_set = apt_simulate(request, log);
  INFO("apt said:\n" << log);
  REQUIRE(!apt_set.empty());

  // Without exclusions or pins the resolver must agree with apt exactly.
  ResolveOptions like_apt;
  like_apt.exclusions.clear();
  like_apt.script_only.clear();
  like_apt.alternative_pins.clear();
  auto full = names_of(resolve_packages(loaded.universe, request, like_apt));
  CHECK(joined(full) == joined(apt_set));

  // With the defaults: a subset, and everything left out is script-only or only needed by
  // something left out.
  auto resolution = resolve_packages(loaded.universe, request);
  auto ours = names_of(resolution);
  auto exclusions = default_exclusions();
  std::set<std::string> excluded(exclusions.begin(), exclusions.end());
  for (const auto& name : script_only_packages()) excluded.insert(name);
  std::set<std::string> extra;
  std::set_difference(ours.begin(), ours.end(), apt_set.begin(), apt_set.end(),
                      std::inserter(extra, extra.end()));
  CHECK(joined(extra) == "");
  for (const auto& left_out : apt_set) {
    if (ours.count(left_out) || excluded.count(left_out)) continue;
    // No kept package needs it: every dependency group naming it is met by a kept package
    // or skipped as script-only.
    for (const auto& record : resolution.packages)
      for (const char* field : {"Pre-Depends", "Depends"})
        for (const auto& group : parse_relations(record.control.get_or(field, ""), field)) {
          bool names_it = std::any_of(group.begin(), group.end(),
                                      [&](const Relation& r) { return r.name == left_out; });
          if (!names_it) continue;
          bool met_otherwise = std::any_of(group.begin(), group.end(), [&](const Relation& r) {
            return ours.count(r.name) || excluded.count(r.name);
          });
          INFO(record.name << " " << field << " names " << left_out);
          CHECK(met_otherwise);
        }
  }
  // The exclusion rule, checked against the archive: an excluded package left out is one no
  // kept package that is not excluded Depends on (unless another kept package meets the group).
  for (const auto& name : default_exclusions()) {
    if (ours.count(name)) continue;
    for (const auto& record : resolution.packages) {
      if (excluded.count(record.name)) continue;
      for (const auto& group : parse_relations(record.control.get_or("Depends", ""), "Depends")) {
        bool names_it = std::any_of(group.begin(), group.end(), [&](const Relation& r) { return r.name == name; });
        bool met = std::any_of(group.begin(), group.end(), [&](const Relation& r) { return ours.count(r.name) > 0; });
        INFO(record.name << " Depends on " << name << ", which was left out");
        CHECK((!names_it || met));
      }
    }
  }
  std::set<std::string> left_out;
  std::set_difference(apt_set.begin(), apt_set.end(), ours.begin(), ours.end(),
                      std::inserter(left_out, left_out.end()));
  std::printf("rootfs archive: apt picks %zu packages, nanoforge %zu; left out: %s\n",
              apt_set.size(), ours.size(), joined(left_out).c_str());
}

TEST_CASE("a package that does not exist gives a clear error", "[rootfs-archive]") {
  auto& loaded = archive();
  if (!loaded.unavailable.empty()) NANOFORGE_SKIP("Debian mirror unusable: " + loaded.unavailable);
  REQUIRE_THROWS_WITH(resolve_packages(loaded.universe, packages_for("standard", {"no-such-package-xyz"})),
                      Catch::Contains("'no-such-package-xyz' does not exist") &&
                          Catch::Contains("bookworm"));
}

TEST_CASE("a lock made now is fetched, verified and reused exactly", "[rootfs-archive]") {
  auto& loaded = archive();
  if (!loaded.unavailable.empty()) NANOFORGE_SKIP("Debian mirror unusable: " + loaded.unavailable);
  auto resolution = resolve_packages(loaded.universe, packages_for("standard", {}));
  TempDir work;
  write_lock_file(work / "rootfs.lock", make_lock(resolution, loaded.universe));
  auto lock = read_lock_file(work / "rootfs.lock");
  std::vector<std::string> suites;
  for (const auto& suite : loaded.config.suites) suites.push_back(suite.suite);
  auto exclusions = default_exclusions();
  for (const auto& name : script_only_packages()) exclusions.push_back(name);
  CHECK(lock_matches_request(lock, packages_for("standard", {}), suites, exclusions));
  auto records = records_from_lock(lock, &loaded.universe, loaded.config);
  REQUIRE(records.size() == resolution.packages.size());

  auto start = std::chrono::steady_clock::now();
  auto paths = fetch_packages(records, loaded.cache.path());
  double cold = seconds_since(start);
  start = std::chrono::steady_clock::now();
  auto again = fetch_packages(records, loaded.cache.path());
  double warm = seconds_since(start);
  REQUIRE(paths == again);
  for (std::size_t i = 0; i < records.size(); ++i) {
    CHECK(paths[i].filename() == records[i].sha256 + ".deb");
    CHECK(std::filesystem::file_size(paths[i]) == records[i].size);
  }
  std::printf("rootfs archive: fetched %zu .debs in %.2f s cold, %.2f s verifying the warm cache\n",
              paths.size(), cold, warm);
}
