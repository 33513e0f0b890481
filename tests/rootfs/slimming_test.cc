#include "rootfs/slimming.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "test_support.h"

using namespace nanoforge::rootfs;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

TEST_CASE("bookworm-slim rules keep copyright files and C.UTF-8", "[slimming]") {
  auto rules = bookworm_slim_rules();
  CHECK(is_excluded(rules, "usr/share/doc/bash/README"));
  CHECK(is_excluded(rules, "usr/share/doc/bash/examples/startup-files/Bashrc"));
  CHECK_FALSE(is_excluded(rules, "usr/share/doc/bash/copyright"));
  CHECK_FALSE(is_excluded(rules, "usr/share/doc"));
  CHECK(is_excluded(rules, "usr/share/man/man1/bash.1.gz"));
  CHECK(is_excluded(rules, "usr/share/info/bash.info.gz"));
  CHECK(is_excluded(rules, "usr/share/locale/de/LC_MESSAGES/bash.mo"));
  CHECK_FALSE(is_excluded(rules, "usr/share/locale/C.UTF-8/LC_MESSAGES/x.mo"));
  CHECK(is_excluded(rules, "usr/share/lintian/overrides/bash"));
  CHECK(is_excluded(rules, "usr/share/groff/current/tmac"));
  CHECK_FALSE(is_excluded(rules, "usr/bin/bash"));
  CHECK_FALSE(is_excluded(rules, "etc/os-release"));
  CHECK_FALSE(is_excluded(rules, "usr/lib/os-release"));
  CHECK_FALSE(is_excluded(rules, "var/lib/dpkg/info/bash.list"));
  CHECK_FALSE(is_excluded(rules, "usr/share/zoneinfo/right/Etc/UTC"));
  CHECK(is_excluded(runtime_slim_rules(), "usr/share/zoneinfo/right/Etc/UTC"));
  CHECK(is_excluded(runtime_slim_rules(), "usr/share/zoneinfo/right"));
  CHECK_FALSE(is_excluded(runtime_slim_rules(), "usr/share/zoneinfo/Etc/UTC"));
  // glibc's iconv modules: the Unicode, Western European and Cyrillic ones stay, the rest go,
  // unless the spec keeps them; the module configuration always stays.
  const std::string gconv = "usr/lib/x86_64-linux-gnu/gconv/";
  for (const char* kept : {"UTF-16.so", "UTF-7.so", "UNICODE.so", "ISO8859-15.so", "CP1252.so", "KOI8-R.so",
                           "gconv-modules", "gconv-modules.cache", "gconv-modules.d/gconv-modules-extra.conf"})
    CHECK_FALSE(is_excluded(runtime_slim_rules(), gconv + kept));
  for (const char* dropped : {"IBM1390.so", "libCNS.so", "BIG5HKSCS.so", "EBCDIC-US.so", "CP932.so"})
    CHECK(is_excluded(runtime_slim_rules(), gconv + dropped));
  CHECK_FALSE(is_excluded(runtime_slim_rules({"/usr/lib/*/gconv/*"}), gconv + "IBM1390.so"));
  CHECK(is_excluded(runtime_slim_rules({"/usr/lib/*/gconv/*"}), "usr/share/man/man1/bash.1.gz"));
  // The last matching rule decides, as in dpkg.
  CHECK(is_excluded({{true, "/a/*"}, {false, "/a/*"}}, "a/b"));
  CHECK_FALSE(is_excluded({{false, "/a/*"}, {true, "/a/*"}}, "a/b"));
}

TEST_CASE("slim_tree removes excluded files and the directories they leave empty", "[slimming]") {
  TempDir dir;
  StagingTree tree(dir / "root");
  tree.write_file("usr/share/doc/bash/README", std::string(1000, 'r'), {0644, 0, 0}, "test");
  tree.write_file("usr/share/doc/bash/copyright", "(c)", {0644, 0, 0}, "test");
  tree.write_file("usr/share/doc/zlib/changelog.gz", std::string(500, 'z'), {0644, 0, 0}, "test");
  tree.make_symlink("usr/share/doc/libalias", "zlib", "test");
  tree.write_file("usr/share/man/man1/bash.1.gz", std::string(300, 'm'), {0644, 0, 0}, "test");
  tree.write_file("usr/share/locale/de/LC_MESSAGES/bash.mo", std::string(200, 'l'), {0644, 0, 0}, "test");
  tree.write_file("usr/bin/bash", "ELF", {0755, 0, 0}, "test");
  auto result = slim_tree(tree, bookworm_slim_rules());

  fs::path root = dir / "root";
  CHECK(fs::exists(root / "usr/share/doc/bash/copyright"));
  CHECK_FALSE(fs::exists(root / "usr/share/doc/bash/README"));
  CHECK_FALSE(fs::exists(root / "usr/share/doc/zlib"));
  CHECK_FALSE(fs::is_symlink(root / "usr/share/doc/libalias"));
  CHECK_FALSE(fs::exists(root / "usr/share/man/man1"));
  CHECK(fs::exists(root / "usr/share/man"));
  CHECK_FALSE(fs::exists(root / "usr/share/locale/de"));
  CHECK(fs::exists(root / "usr/bin/bash"));
  CHECK(result.files_removed == 5);
  CHECK(result.bytes_removed == 2000);
  CHECK(result.directories_removed == 4);  // doc/zlib, man/man1, locale/de, de/LC_MESSAGES
  // What is left: no excluded file; excluded directories only where they hold a kept file.
  for (const auto& entry : tree.entries())
    if (entry.type != nanoforge::oci::EntryType::Directory)
      CHECK_FALSE(is_excluded(bookworm_slim_rules(), entry.path));
  CHECK(fs::exists(root / "usr/share/doc/bash"));
}
