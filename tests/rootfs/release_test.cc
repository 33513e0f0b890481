// The repository client's trust checks: a real InRelease from the machine's mirror verifies;
// tampered, unsigned, expired or wrong-suite ones are refused; a Packages index whose bytes
// do not match the signed SHA-256 is refused; a corrupt cached index is fetched again.
#include <catch2/catch.hpp>
#include <string>

#include <chrono>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/http_download.h"
#include "rootfs/package_index.h"
#include "rootfs/release.h"
#include "rootfs/repository_config.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using nanoforge::testing::TempDir;

namespace {

const char* kKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

// The real bookworm-updates InRelease from the machine's mirror (small, and signed by the
// same keys as bookworm), fetched once per test run.
struct RealRelease {
  SuiteSource suite;
  std::string inrelease;
  std::string unavailable;  // why the mirror could not be used
};

const RealRelease& real_release() {
  static RealRelease release = [] {
    RealRelease result;
    try {
      auto config = default_repository_config({"bookworm-updates"});
      result.suite = config.suites.front();
      result.inrelease = fetch_text(inrelease_url(result.suite));
    } catch (const std::exception& error) {
      result.unavailable = error.what();
    }
    return result;
  }();
  return release;
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string release_text(const std::string& extra) {
  return "Origin: Debian\nSuite: oldstable-updates\nCodename: bookworm-updates\n"
         "Date: Fri, 27 Nov 2026 02:10:32 UTC\n" + extra +
         "SHA256:\n " + std::string(64, 'c') + " 123 main/binary-amd64/Packages.xz\n";
}

}  // namespace

TEST_CASE("a real InRelease verifies and parses", "[release]") {
  const auto& real = real_release();
  if (!real.unavailable.empty()) NANOFORGE_SKIP("Debian mirror unreachable: " + real.unavailable);
  std::string text = verify_signed_release(real.inrelease, kKeyring, "test InRelease");
  CHECK(text.find("BEGIN PGP") == std::string::npos);
  auto release = parse_release(text, "test InRelease");
  CHECK(release.codename == "bookworm-updates");
  CHECK(release.acquire_by_hash);
  REQUIRE(release.sha256.count("main/binary-amd64/Packages.xz"));
  CHECK(release.sha256.at("main/binary-amd64/Packages.xz").sha256.size() == 64);
  CHECK_NOTHROW(check_release(release, "bookworm-updates", std::chrono::system_clock::now(), "t"));
}

TEST_CASE("a tampered InRelease is refused", "[release]") {
  const auto& real = real_release();
  if (!real.unavailable.empty()) NANOFORGE_SKIP("Debian mirror unreachable: " + real.unavailable);
  // Point the Packages.xz entry at other bytes: exactly what an attacker would change.
  auto line_start = real.inrelease.find("main/binary-amd64/Packages.xz", real.inrelease.find("SHA256:"));
  REQUIRE(line_start != std::string::npos);
  std::string tampered = real.inrelease;
  auto hash_at = tampered.rfind('\n', line_start) + 2;
  tampered[hash_at] = tampered[hash_at] == '0' ? '1' : '0';
  REQUIRE_THROWS_WITH(verify_signed_release(tampered, kKeyring, "tampered InRelease"),
                      Catch::Contains("tampered InRelease") && Catch::Contains("not valid"));
  // The same with a changed codename.
  REQUIRE_THROWS_WITH(
      verify_signed_release(replace_once(real.inrelease, "Codename: bookworm-updates",
                                         "Codename: bookworm-upd4tes"),
                            kKeyring, "renamed InRelease"),
      Catch::Contains("not valid"));
}

TEST_CASE("an unsigned or wrongly keyed InRelease is refused", "[release]") {
  REQUIRE_THROWS_WITH(verify_signed_release(release_text(""), kKeyring, "plain Release"),
                      Catch::Contains("plain Release") && Catch::Contains("not a signed InRelease"));
  const auto& real = real_release();
  if (!real.unavailable.empty()) NANOFORGE_SKIP("Debian mirror unreachable: " + real.unavailable);
  // A keyring without the archive keys: the signature is good but not trusted.
  TempDir dir;
  std::string other_keyring = "/usr/share/keyrings/debian-archive-removed-keys.gpg";
  if (std::filesystem::exists(other_keyring))
    REQUIRE_THROWS_WITH(verify_signed_release(real.inrelease, other_keyring, "InRelease"),
                        Catch::Contains("not valid"));
  REQUIRE_THROWS_WITH(verify_signed_release(real.inrelease, dir / "missing.gpg", "InRelease"),
                      Catch::Contains("missing.gpg") && Catch::Contains("does not exist"));
}

TEST_CASE("text outside the signed block is never read", "[release]") {
  const auto& real = real_release();
  if (!real.unavailable.empty()) NANOFORGE_SKIP("Debian mirror unreachable: " + real.unavailable);
  std::string text = verify_signed_release(real.inrelease + "\nCodename: evil\n", kKeyring, "x");
  CHECK(text.find("evil") == std::string::npos);
}

TEST_CASE("Valid-Until in the past is refused", "[release]") {
  auto now = std::chrono::system_clock::now();
  auto expired = parse_release(release_text("Valid-Until: Sat, 01 Jan 2000 00:00:00 UTC\n"), "r");
  REQUIRE(expired.valid_until);
  REQUIRE_THROWS_WITH(check_release(expired, "bookworm-updates", now, "old InRelease"),
                      Catch::Contains("old InRelease") && Catch::Contains("Valid-Until") &&
                          Catch::Contains("2000-01-01"));
  auto fresh = parse_release(release_text("Valid-Until: Fri, 01 Jan 2100 00:00:00 UTC\n"), "r");
  CHECK_NOTHROW(check_release(fresh, "bookworm-updates", now, "r"));
  // The date is read exactly: one second after Valid-Until is too late.
  CHECK_THROWS(check_release(fresh, "bookworm-updates", *fresh.valid_until + std::chrono::seconds(1), "r"));
}

TEST_CASE("a release for another suite is refused", "[release]") {
  auto release = parse_release(release_text(""), "r");
  CHECK_NOTHROW(check_release(release, "oldstable-updates", std::chrono::system_clock::now(), "r"));
  REQUIRE_THROWS_WITH(check_release(release, "bookworm", std::chrono::system_clock::now(), "mirror"),
                      Catch::Contains("expected suite 'bookworm'") &&
                          Catch::Contains("bookworm-updates"));
}

TEST_CASE("malformed Release text is named", "[release]") {
  REQUIRE_THROWS_WITH(parse_release("Codename: x\n", "nohash"), Catch::Contains("no SHA256"));
  REQUIRE_THROWS_WITH(parse_release("Codename: x\nSHA256:\n abc 12\n", "short"),
                      Catch::Contains("malformed SHA256 line"));
  // 64 characters that are not a SHA-256 (the same check as Digest::parse and the lock file).
  REQUIRE_THROWS_WITH(parse_release("Codename: x\nSHA256:\n " + std::string(64, 'z') + " 12 main/Packages\n", "nothex"),
                      Catch::Contains("malformed SHA256 line"));
  REQUIRE_THROWS_WITH(parse_release("Codename: x\nDate: yesterday\nSHA256:\n", "dated"),
                      Catch::Contains("yesterday"));
  CHECK(parse_release_date("Sat, 11 Jul 2026 10:16:37 UTC", "d") ==
        std::chrono::system_clock::from_time_t(1783764997));
}

namespace {

// A local mirror (file://) holding the real signed InRelease; the Packages.xz it serves is
// whatever the test puts at the by-hash path the InRelease names.
struct LocalMirror {
  TempDir root{"nanoforge-mirror"};
  std::filesystem::path by_hash_file;
  ReleaseFileEntry packages_xz;
  RepositoryConfig config;

  explicit LocalMirror(const RealRelease& real) {
    auto dists = root.path() / "dists" / "bookworm-updates";
    std::filesystem::create_directories(dists / "main/binary-amd64/by-hash/SHA256");
    write_file_atomically(dists / "InRelease", real.inrelease);
    auto release = parse_release(verify_signed_release(real.inrelease, kKeyring, "r"), "r");
    packages_xz = release.sha256.at("main/binary-amd64/Packages.xz");
    by_hash_file = dists / "main/binary-amd64/by-hash/SHA256" / packages_xz.sha256;
    config.suites = {{"bookworm-updates", "file://" + root.path().string()}};
  }
};

}  // namespace

TEST_CASE("a Packages index whose SHA-256 does not match the InRelease is refused", "[release]") {
  const auto& real = real_release();
  if (!real.unavailable.empty()) NANOFORGE_SKIP("Debian mirror unreachable: " + real.unavailable);
  LocalMirror mirror(real);
  // Same size as the signed entry, different bytes.
  write_file_atomically(mirror.by_hash_file, std::string(mirror.packages_xz.size, 'x'));
  TempDir cache;
  REQUIRE_THROWS_WITH(load_package_universe(mirror.config, cache.path()),
                      Catch::Contains(mirror.packages_xz.sha256) && Catch::Contains("does not match"));
  // Nothing unverified is left in the cache.
  for (const auto& entry : std::filesystem::directory_iterator(cache / "indices"))
    FAIL("unexpected cache entry " << entry.path());
}

TEST_CASE("indices are fetched by hash, cached, and a corrupt cache entry is fetched again",
          "[release]") {
  const auto& real = real_release();
  if (!real.unavailable.empty()) NANOFORGE_SKIP("Debian mirror unreachable: " + real.unavailable);
  LocalMirror mirror(real);
  // The real index, from the real mirror's by-hash path.
  download_file({real.suite.mirror + "/dists/bookworm-updates/main/binary-amd64/by-hash/SHA256/" +
                     mirror.packages_xz.sha256,
                 mirror.by_hash_file, Digest{"sha256", mirror.packages_xz.sha256},
                 mirror.packages_xz.size});
  TempDir cache;
  auto first = load_package_universe(mirror.config, cache.path());
  CHECK(first.size() > 0);
  CHECK(first.description.find("bookworm-updates") != std::string::npos);
  std::vector<std::filesystem::path> cached;
  for (const auto& entry : std::filesystem::directory_iterator(cache / "indices"))
    cached.push_back(entry.path());
  REQUIRE(cached.size() == 1);
  CHECK(sha256_of_file(cached.front()).hex == cached.front().filename().string());

  // Warm: the mirror's index disappears, the cache alone serves.
  std::filesystem::remove(mirror.by_hash_file);
  CHECK(load_package_universe(mirror.config, cache.path()).size() == first.size());

  // Corrupt the cache: it must not be used, and must be replaced by good bytes.
  write_file_atomically(cached.front(), "Package: evil\nVersion: 1\n");
  REQUIRE_THROWS(load_package_universe(mirror.config, cache.path()));  // mirror copy gone
  download_file({real.suite.mirror + "/dists/bookworm-updates/main/binary-amd64/by-hash/SHA256/" +
                     mirror.packages_xz.sha256,
                 mirror.by_hash_file, Digest{"sha256", mirror.packages_xz.sha256},
                 mirror.packages_xz.size});
  auto again = load_package_universe(mirror.config, cache.path());
  CHECK(again.size() == first.size());
  CHECK(again.find("evil") == nullptr);
  CHECK(sha256_of_file(cached.front()).hex == cached.front().filename().string());
}
