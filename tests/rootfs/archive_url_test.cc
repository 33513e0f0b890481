// URLs of an archive's files: a mirror or snapshot service with or without a trailing '/',
// pool file names holding characters a URL path cannot hold as they are.
#include <catch2/catch.hpp>

#include "base/digest.h"
#include "base/error.h"
#include "rootfs/archive_url.h"
#include "rootfs/deb_fetch.h"
#include "rootfs/lock_file.h"
#include "rootfs/release.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;

TEST_CASE("a mirror with or without a trailing '/' gives the same InRelease URL", "[archive-url]") {
  for (const char* mirror : {"http://MIRROR/debian", "http://MIRROR/debian/"}) {
    INFO(mirror);
    CHECK(inrelease_url({"bookworm", mirror}) == "http://MIRROR/debian/dists/bookworm/InRelease");
    CHECK(archive_url(mirror, "pool/main/c/curl/curl_7.88.1-10+deb12u15_amd64.deb") ==
          "http://MIRROR/debian/pool/main/c/curl/curl_7.88.1-10+deb12u15_amd64.deb");
  }
  // An old-style security suite holds a '/': it stays a path separator.
  CHECK(inrelease_url({"bullseye/updates", "http://MIRROR/debian-security/"}) ==
        "http://MIRROR/debian-security/dists/bullseye/updates/InRelease");
  CHECK(archive_url("http://MIRROR", "dists/bookworm/InRelease") == "http://MIRROR/dists/bookworm/InRelease");
}

TEST_CASE("snapshot URLs join the same way", "[archive-url]") {
  LockedPackage package;
  package.archive = "debian-security";
  package.snapshot_timestamp = "20250520T000000Z";
  package.filename = "pool/updates/main/o/openssl/libssl3_3.0.16-1~deb12u1_amd64.deb";
  for (const char* service : {"http://SNAPSHOT", "http://SNAPSHOT/", "http://SNAPSHOT/prefix/"}) {
    INFO(service);
    std::string root = std::string(service).back() == '/' ? std::string(service) : std::string(service) + "/";
    CHECK(snapshot_url_for(service, package) ==
          root + "archive/debian-security/20250520T000000Z/pool/updates/main/o/openssl/libssl3_3.0.16-1~deb12u1_amd64.deb");
  }
}

TEST_CASE("a mirror that is no URL is an error naming it", "[archive-url]") {
  REQUIRE_THROWS_WITH(inrelease_url({"bookworm", "MIRROR/debian"}),
                      Catch::Contains("'MIRROR/debian'") && Catch::Contains("runtime.debian"));
}

TEST_CASE("a pool file name holding '#', '?', '%' or a blank is fetched from a mirror given with a '/'",
          "[archive-url][fetch]") {
  TempDir root("nanoforge-archive-url");
  PackageRecord record;
  record.name = "odd";
  record.version = "1";
  // Not names Debian gives, but the index is input: a '#' must not start a fragment, a '?' a
  // query, and '%' must not be read as an escape.
  record.filename = "pool/main/o/odd/odd #1?x%41 y_1_all.deb";
  std::string content = "deb bytes of odd";
  write_text(root / ("debian/" + record.filename), content);
  record.sha256 = sha256_of(content).hex;
  record.size = content.size();
  record.mirror = "file://" + (root / "debian").string() + "/";
  TempDir cache;
  auto paths = fetch_packages({record}, cache.path());
  REQUIRE(paths.size() == 1);
  CHECK(sha256_of_file(paths[0]).hex == record.sha256);
}
