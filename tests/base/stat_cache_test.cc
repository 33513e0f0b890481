// Content fingerprints for cache keys: what changes them (content, permission bits, symlink
// targets) and what does not (timestamps alone), and the stat cache that spares re-reading
// unchanged files without ever trusting a file rewritten in the tick it was read.
#include <sys/stat.h>
#include <sys/time.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "base/digest.h"
#include "base/input_list.h"
#include "base/stat_cache.h"
#include "test_support.h"

using namespace nanoforge;
using nanoforge::testing::read_text;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;
namespace fs = std::filesystem;

namespace {
// Past one timestamp tick of any file system the tests run on (the coarse clock's jiffy).
void next_tick() { std::this_thread::sleep_for(std::chrono::milliseconds(30)); }
}  // namespace

TEST_CASE("a file's fingerprint covers content, permission bits and symlink targets, not timestamps", "[stat-cache]") {
  TempDir dir;
  StatCache cache;
  write_text(dir / "module.py", "print('v1')\n");
  ::chmod((dir / "module.py").c_str(), 0644);
  fs::create_symlink("module.py", dir / "link.py");
  const auto file = file_fingerprint(dir / "module.py", cache);
  const auto link = file_fingerprint(dir / "link.py", cache);
  CHECK(file == "file 0644 " + sha256_of("print('v1')\n").hex);
  CHECK(link == "symlink module.py");
  CHECK(file_fingerprint(dir / "missing.py", cache).empty());

  // Touching changes nothing a build reads.
  next_tick();
  ::utimes((dir / "module.py").c_str(), nullptr);
  CHECK(file_fingerprint(dir / "module.py", cache) == file);

  SECTION("content") {
    write_text(dir / "module.py", "print('v2')\n");  // same size
    CHECK(file_fingerprint(dir / "module.py", cache) != file);
  }
  SECTION("the executable bit") {
    ::chmod((dir / "module.py").c_str(), 0755);
    CHECK(file_fingerprint(dir / "module.py", cache) == "file 0755 " + sha256_of("print('v1')\n").hex);
  }
  SECTION("setuid") {
    ::chmod((dir / "module.py").c_str(), 04644);
    CHECK(file_fingerprint(dir / "module.py", cache) != file);
  }
  SECTION("a symlink's target") {
    write_text(dir / "other.py", "print('v1')\n");
    fs::remove(dir / "link.py");
    fs::create_symlink("other.py", dir / "link.py");
    CHECK(file_fingerprint(dir / "link.py", cache) == "symlink other.py");
  }
}

TEST_CASE("the stat cache remembers a file's digest while its stat identity holds", "[stat-cache]") {
  TempDir dir;
  write_text(dir / "big.bin", std::string(100000, 'x'));
  const auto expected = sha256_of(std::string(100000, 'x')).hex;
  {
    StatCache cache(dir / "stat.txt", 0);
    CHECK(file_fingerprint(dir / "big.bin", cache) == "file 0644 " + expected);
    CHECK(cache.files_read() == 1);
    cache.save();
  }
  {
    StatCache cache(dir / "stat.txt", 0);
    CHECK(file_fingerprint(dir / "big.bin", cache) == "file 0644 " + expected);
    CHECK(cache.files_read() == 0);  // remembered
  }
  // Rewritten (a new tick, so a new ctime): read again, and the new digest is the one kept.
  next_tick();
  write_text(dir / "big.bin", std::string(100000, 'y'));
  StatCache cache(dir / "stat.txt", 0);
  CHECK(file_fingerprint(dir / "big.bin", cache) == "file 0644 " + sha256_of(std::string(100000, 'y')).hex);
  CHECK(cache.files_read() == 1);
  cache.save();
  CHECK(read_text(dir / "stat.txt").find(sha256_of(std::string(100000, 'y')).hex) != std::string::npos);
  CHECK(read_text(dir / "stat.txt").find(expected) == std::string::npos);  // only what this run used
}

TEST_CASE("a file changed just before it is read is not remembered, so a rewrite in the same tick is seen", "[stat-cache]") {
  // git's "racily clean" case: a file rewritten with the same size within the timestamp tick
  // it was read in keeps size, mtime, ctime and inode, so a remembered digest would be stale.
  // Only files unchanged for longer than any tick (kRacyMarginNs) are remembered.
  TempDir dir;
  write_text(dir / "module.py", "print('v1')\n");
  StatCache first(dir / "stat.txt");
  CHECK(file_fingerprint(dir / "module.py", first) == "file 0644 " + sha256_of("print('v1')\n").hex);
  first.save();
  write_text(dir / "module.py", "print('v2')\n");
  StatCache second(dir / "stat.txt");
  CHECK(file_fingerprint(dir / "module.py", second) == "file 0644 " + sha256_of("print('v2')\n").hex);
  CHECK(second.files_read() == 1);  // read, not taken from the cache
  CHECK_FALSE(fs::exists(dir / "stat.txt"));  // nothing was fit to remember

  // The same file, once older than the margin (here: a margin of zero), is remembered.
  StatCache relaxed(dir / "stat.txt", 0);
  file_fingerprint(dir / "module.py", relaxed);
  relaxed.save();
  StatCache again(dir / "stat.txt", 0);
  file_fingerprint(dir / "module.py", again);
  CHECK(again.files_read() == 0);
}

TEST_CASE("a damaged or foreign stat cache file is an empty cache", "[stat-cache]") {
  TempDir dir;
  write_text(dir / "a.txt", "a\n");
  for (const std::string& text : {std::string("garbage"), std::string("nanoforge stat cache 1\n1 2 x\n"),
                                  std::string("nanoforge stat cache 1\n1 2 3 4 5 short " + (dir / "a.txt").string() + "\n")}) {
    write_text(dir / "stat.txt", text);
    StatCache cache(dir / "stat.txt", 0);
    CHECK(file_fingerprint(dir / "a.txt", cache) == "file 0644 " + sha256_of("a\n").hex);
    CHECK(cache.files_read() == 1);
  }
}

TEST_CASE("an input list names the first input that changed, was added or removed", "[input-list]") {
  InputList before;
  before.add("step", "layer").add("a.py", "file 0644 1").add("b.py", "file 0644 2").add("package", "bash");
  before.add("package", "curl");
  CHECK(before.items()[4].first == "package#2");  // a repeated name keeps an input of its own

  InputList same = *InputList::parse(before.serialize());
  CHECK(same.items() == before.items());
  CHECK(same.digest() == before.digest());
  CHECK(InputList::first_difference(before, same).empty());

  InputList changed;
  changed.add("step", "layer").add("a.py", "file 0644 1").add("b.py", "file 0755 2").add("package", "bash");
  changed.add("package", "curl");
  CHECK(changed.digest() != before.digest());
  CHECK(InputList::first_difference(before, changed) == "b.py changed");

  InputList added = before;
  added.add("c.py", "file 0644 3");
  CHECK(InputList::first_difference(before, added) == "c.py added");
  CHECK(InputList::first_difference(added, before) == "c.py removed");

  // Length-prefixed: moving a byte from a name to its value changes the digest.
  CHECK(InputList().add("ab", "c").digest() != InputList().add("a", "bc").digest());
  CHECK_FALSE(InputList::parse("{\"not\": \"a list\"}"));
  CHECK_FALSE(InputList::parse("[[\"name\"]]"));
}
