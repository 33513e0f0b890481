// The rootfs tree's cache key: every input that decides the tree's bytes changes it, the host's
// ldconfig (which writes etc/ld.so.cache into the tree) among them.
#include <catch2/catch.hpp>

#include "rootfs/rootfs_builder.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;

namespace {
LockFile sample_lock() {
  LockFile lock;
  lock.architecture = "amd64";
  LockedPackage package;
  package.name = "libc6";
  package.version = "2.36-9";
  package.architecture = "amd64";
  package.sha256 = std::string(64, 'a');
  lock.packages.push_back(package);
  return lock;
}
}  // namespace

TEST_CASE("the rootfs tree's key follows the ldconfig that writes ld.so.cache", "[rootfs-key]") {
  TempDir dir;
  write_text(dir / "ldconfig-a", "an ldconfig\n");
  write_text(dir / "ldconfig-b", "another ldconfig\n");
  RootfsOptions options;
  options.fixups.ldconfig = dir / "ldconfig-a";
  const auto key = rootfs_cache_key(sample_lock(), options);
  CHECK(rootfs_cache_key(sample_lock(), options) == key);
  options.fixups.ldconfig = dir / "ldconfig-b";
  CHECK(rootfs_cache_key(sample_lock(), options) != key);
  write_text(dir / "ldconfig-b", "an ldconfig\n");  // same binary elsewhere: same tree
  CHECK(rootfs_cache_key(sample_lock(), options) == key);

  SECTION("and the other inputs") {
    options.fixups.timezone = "Asia/Shanghai";
    CHECK(rootfs_cache_key(sample_lock(), options) != key);
  }
  SECTION("a package's digest") {
    auto lock = sample_lock();
    lock.packages[0].sha256 = std::string(64, 'b');
    CHECK(rootfs_cache_key(lock, options) != key);
  }
}
