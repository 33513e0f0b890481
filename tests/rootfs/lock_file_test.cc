// The lock file (written atomically, read back exactly, errors named) and fetching locked
// packages into the SHA-256-keyed cache: from the mirror, again after corruption, and from
// a snapshot archive once the mirror has dropped the version.
#include <catch2/catch.hpp>

#include "base/digest.h"
#include "base/error.h"
#include "rootfs/deb_fetch.h"
#include "rootfs/lock_file.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using nanoforge::testing::read_text;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;

namespace {

// A tiny archive on disk: each package's "deb" is some distinct bytes in the pool.
struct FakeArchive {
  TempDir root{"nanoforge-archive"};
  PackageUniverse universe;
  RepositoryConfig config;

  FakeArchive() {
    std::string packages;
    for (std::string name : {"app", "libone", "libtwo"}) {
      std::string content = "deb bytes of " + name + std::string(1000, name[3]);
      std::string filename = "pool/main/" + name + "_1.0-1_amd64.deb";
      std::filesystem::create_directories(root / "debian/pool/main");
      write_text(root / ("debian/" + filename), content);
      packages += "Package: " + name + "\nVersion: 1.0-1\nArchitecture: amd64\nFilename: " +
                  filename + "\nSize: " + std::to_string(content.size()) +
                  "\nSHA256: " + sha256_of(content).hex + "\nDescription: " + name + "\n" +
                  (name == "app" ? "Depends: libone, libtwo\n" : "") + "\n";
    }
    std::string mirror = "file://" + (root / "debian").string();
    for (auto& record : parse_packages_index(packages, mirror, "bookworm", "fake"))
      universe.add(std::move(record));
    universe.suites.push_back({"bookworm", mirror, "debian",
                               std::chrono::system_clock::from_time_t(1783764997)});
    config.suites = {{"bookworm", mirror}};
    config.snapshot_url = "file://" + (root / "snapshot").string();
  }
};

}  // namespace

TEST_CASE("a lock is written atomically and read back exactly", "[lock]") {
  FakeArchive archive;
  auto resolution = resolve_packages(archive.universe, {"app"});
  auto lock = make_lock(resolution, archive.universe);
  REQUIRE(lock.packages.size() == 3);
  CHECK(lock.packages[0].snapshot_timestamp == "20260711T101637Z");
  CHECK(lock.packages[0].archive == "debian");
  TempDir dir;
  write_lock_file(dir / "rootfs.lock", lock);
  std::size_t entries = 0;
  for ([[maybe_unused]] auto& entry : std::filesystem::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 1);  // no temporary file left behind
  auto again = read_lock_file(dir / "rootfs.lock");
  CHECK(again.requested == std::vector<std::string>{"app"});
  CHECK(again.architecture == "amd64");
  REQUIRE(again.packages.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(again.packages[i].name == lock.packages[i].name);
    CHECK(again.packages[i].version == lock.packages[i].version);
    CHECK(again.packages[i].sha256 == lock.packages[i].sha256);
    CHECK(again.packages[i].size == lock.packages[i].size);
    CHECK(again.packages[i].filename == lock.packages[i].filename);
  }
  // Writing it again gives the same bytes: a lock is stable under reuse.
  auto first = read_text(dir / "rootfs.lock");
  write_lock_file(dir / "rootfs.lock", again);
  CHECK(read_text(dir / "rootfs.lock") == first);
  // It matches the request it was made for: the names, the suites, the exclusions, the rule.
  const auto suites = again.suites;
  REQUIRE_FALSE(suites.empty());
  auto all_exclusions = default_exclusions();
  for (const auto& name : script_only_packages()) all_exclusions.push_back(name);
  CHECK(again.exclusions == all_exclusions);
  CHECK(again.exclusion_rule == kExclusionRule);
  CHECK(lock_matches_request(again, {"app"}, suites, all_exclusions));
  CHECK_FALSE(lock_matches_request(again, {"app", "curl"}, suites, all_exclusions));
  CHECK_FALSE(lock_matches_request(again, {"app"}, {"trixie", "trixie-updates"}, all_exclusions));
  CHECK_FALSE(lock_matches_request(again, {"app"}, suites, {"dpkg"}));
  // A lock from before the suites, exclusions and rule were recorded is made again.
  auto old = again;
  old.suites.clear();
  old.exclusions.clear();
  old.exclusion_rule = 0;
  write_lock_file(dir / "old.lock", old);
  CHECK_FALSE(lock_matches_request(read_lock_file(dir / "old.lock"), {"app"}, suites, all_exclusions));
}

TEST_CASE("a damaged lock names the file and the field", "[lock]") {
  TempDir dir;
  write_text(dir / "a.lock", "{ not json");
  REQUIRE_THROWS_WITH(read_lock_file(dir / "a.lock"), Catch::Contains("a.lock") &&
                                                          Catch::Contains("not valid JSON"));
  write_text(dir / "b.lock",
             R"({"nanoforgeRootfsLock": 1, "architecture": "amd64", "requested": ["x"],
                 "packages": [{"name": "libc6", "version": "2", "architecture": "amd64",
                               "filename": "pool/x.deb", "size": 1}]})");
  REQUIRE_THROWS_WITH(read_lock_file(dir / "b.lock"),
                      Catch::Contains("b.lock") && Catch::Contains("libc6") &&
                          Catch::Contains("'sha256'"));
  write_text(dir / "c.lock",
             R"({"nanoforgeRootfsLock": 1, "architecture": "amd64", "requested": [],
                 "packages": [{"name": "p", "version": "2", "architecture": "amd64",
                               "filename": "../../etc/passwd", "size": 1,
                               "sha256": ")" + std::string(64, 'a') + R"("}]})");
  REQUIRE_THROWS_WITH(read_lock_file(dir / "c.lock"), Catch::Contains("relative pool path"));
  write_text(dir / "d.lock", R"({"nanoforgeRootfsLock": 9})");
  REQUIRE_THROWS_WITH(read_lock_file(dir / "d.lock"), Catch::Contains("--update-lock"));
}

TEST_CASE("locked packages are fetched into the cache, verified, and refetched when corrupt",
          "[lock][fetch]") {
  FakeArchive archive;
  auto lock = make_lock(resolve_packages(archive.universe, {"app"}), archive.universe);
  auto records = records_from_lock(lock, &archive.universe, archive.config);
  REQUIRE(records.size() == 3);
  // Still in the index: the full stanza comes along for the dpkg database.
  CHECK(records[0].control.get_or("Description", "") == records[0].name);
  TempDir cache;
  auto paths = fetch_packages(records, cache.path());
  REQUIRE(paths.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(paths[i] == cache / ("debs/" + records[i].sha256 + ".deb"));
    CHECK(sha256_of_file(paths[i]).hex == records[i].sha256);
  }
  // Corrupt one entry in the cache and remove the mirror copy of another: the corrupt entry
  // is never returned; it is fetched again from the mirror.
  write_text(paths[1], "garbage");
  auto again = fetch_packages(records, cache.path());
  CHECK(sha256_of_file(again[1]).hex == records[1].sha256);
  // A warm cache needs no mirror at all.
  std::filesystem::remove_all(archive.root / "debian");
  CHECK_NOTHROW(fetch_packages(records, cache.path()));
}

TEST_CASE("a version that left the mirror comes from the snapshot archive, or a clear error",
          "[lock][fetch]") {
  FakeArchive archive;
  auto lock = make_lock(resolve_packages(archive.universe, {"app"}), archive.universe);
  // The archive moved on: the indices no longer offer these versions (no universe), and the
  // pool no longer has libtwo.
  auto records = records_from_lock(lock, nullptr, archive.config);
  const auto& libtwo = lock.packages[2];
  REQUIRE(libtwo.name == "libtwo");
  REQUIRE(records[2].fallback_urls.size() == 2);
  CHECK(records[2].fallback_urls[0] == archive.config.snapshot_url +
                                           "/archive/debian/20260711T101637Z/" + libtwo.filename);
  CHECK(records[2].control.get_or("Version", "") == "1.0-1");

  auto pool_copy = archive.root / ("debian/" + libtwo.filename);
  auto snapshot_copy = archive.root / ("snapshot/archive/debian/20260711T101637Z/" + libtwo.filename);
  std::filesystem::create_directories(snapshot_copy.parent_path());
  std::filesystem::rename(pool_copy, snapshot_copy);

  TempDir cache;
  auto paths = fetch_packages(records, cache.path());
  CHECK(sha256_of_file(paths[2]).hex == libtwo.sha256);

  // Neither the pool nor the snapshot has it: the message names the package and the fix.
  std::filesystem::remove(snapshot_copy);
  TempDir empty_cache;
  REQUIRE_THROWS_WITH(fetch_packages(records, empty_cache.path()),
                      Catch::Contains("libtwo 1.0-1") && Catch::Contains("--update-lock"));
  // What could be fetched stays in the cache; nothing unverified is left.
  CHECK(std::filesystem::exists(empty_cache / ("debs/" + lock.packages[0].sha256 + ".deb")));
  CHECK_FALSE(std::filesystem::exists(empty_cache / ("debs/" + libtwo.sha256 + ".deb")));
}

TEST_CASE("a changed hash for the same version is refused", "[lock]") {
  FakeArchive archive;
  auto lock = make_lock(resolve_packages(archive.universe, {"app"}), archive.universe);
  lock.packages[1].sha256 = std::string(64, 'e');
  REQUIRE_THROWS_WITH(records_from_lock(lock, &archive.universe, archive.config),
                      Catch::Contains("libone 1.0-1") && Catch::Contains("differs"));
}
