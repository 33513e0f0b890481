#include "rootfs/deb_reader.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "base/error.h"
#include "test_debs.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {
struct Seen {
  DataEntry entry;
  std::string content;
};
std::map<std::string, Seen> read_entries(const fs::path& deb, DebControlFiles* control = nullptr) {
  std::map<std::string, Seen> seen;
  auto files = read_deb(deb, [&](const DataEntry& entry, EntryContent& content) {
    Seen item{entry, {}};
    char buffer[7];  // small on purpose: content arrives in several reads
    while (std::size_t got = content.read(buffer, sizeof buffer)) item.content.append(buffer, got);
    seen[entry.path] = item;
  });
  if (control) *control = files;
  return seen;
}
}  // namespace

TEST_CASE("read_deb reads control files and data entries of dpkg-deb packages", "[deb_reader]") {
  TempDir dir;
  for (std::string compression : {"xz", "gzip", "zstd", "none"}) {
    SECTION(compression) {
      auto deb = build_test_deb(dir.path(), "hello", {{"usr/bin/hello", {"#!/bin/sh\necho hi\n", 0755}},
                                                        {"etc/hello.conf", {"greeting=hi\n", 0644}},
                                                        {"usr/bin/hi", {"", 0, "hello"}}},
                                {"/etc/hello.conf"}, "Depends: libc6\n", compression);
      DebControlFiles control;
      auto entries = read_entries(deb, &control);
      CHECK(control.control.get("Package") == "hello");
      CHECK(control.control.get("Depends") == "libc6");
      CHECK(control.control.get("Description") == "test package\nlong description\n\nsecond paragraph");
      REQUIRE(control.conffiles == std::vector<std::string>{"/etc/hello.conf"});
      CHECK(control.md5sums.find("  usr/bin/hello\n") != std::string::npos);
      CHECK(control.md5sums.find("  etc/hello.conf\n") != std::string::npos);

      REQUIRE(entries.count(""));
      CHECK(entries[""].entry.type == oci::EntryType::Directory);
      REQUIRE(entries.count("usr/bin/hello"));
      const auto& hello = entries["usr/bin/hello"];
      CHECK(hello.entry.type == oci::EntryType::Regular);
      CHECK(hello.entry.mode == 0755);
      CHECK(hello.entry.uid == 0);
      CHECK(hello.entry.size == 18);
      CHECK(hello.content == "#!/bin/sh\necho hi\n");
      REQUIRE(entries.count("usr/bin/hi"));
      CHECK(entries["usr/bin/hi"].entry.type == oci::EntryType::Symlink);
      CHECK(entries["usr/bin/hi"].entry.link_target == "hello");
      CHECK(entries["usr/bin"].entry.type == oci::EntryType::Directory);
    }
  }
}

TEST_CASE("read_deb_control stops after control.tar", "[deb_reader]") {
  TempDir dir;
  auto deb = build_test_deb(dir.path(), "tiny", {{"usr/share/tiny/a", {"a\n"}}});
  auto control = read_deb_control(deb);
  CHECK(control.control.get("Package") == "tiny");
  CHECK(control.conffiles.empty());
}

TEST_CASE("read_deb reports hard links with the path of the first name", "[deb_reader]") {
  TempDir dir;
  auto deb = craft_deb(dir / "links.deb", "links",
                       {{"./", 'd', "", 0755},
                        {"./usr/", 'd', "", 0755},
                        {"./usr/first", 'f', "same", 0755},
                        {"./usr/second", 'h', "./usr/first", 0755}});
  auto entries = read_entries(deb);
  REQUIRE(entries.count("usr/second"));
  CHECK(entries["usr/second"].entry.type == oci::EntryType::Hardlink);
  CHECK(entries["usr/second"].entry.link_target == "usr/first");
}

TEST_CASE("read_deb refuses truncated and foreign files with the file's name", "[deb_reader]") {
  TempDir dir;
  auto deb = build_test_deb(dir.path(), "big", {{"usr/share/big/data", {std::string(200000, 'x') + "tail"}}},
                            {}, "", "gzip");
  auto size = fs::file_size(deb);
  SECTION("truncated in data.tar") {
    fs::resize_file(deb, size - 200);
    REQUIRE_THROWS_AS(read_entries(deb), Error);
    try {
      read_entries(deb);
    } catch (const Error& error) {
      CHECK_THAT(error.what(), Catch::Contains("big_1.0-1_all.deb"));
    }
  }
  SECTION("truncated before data.tar") {
    fs::resize_file(deb, 300);
    CHECK_THROWS_WITH(read_entries(deb), Catch::Contains("big_1.0-1_all.deb"));
  }
  SECTION("not an ar archive") {
    write_text(deb, "this is not a package\n");
    CHECK_THROWS_WITH(read_entries(deb), Catch::Contains("big_1.0-1_all.deb"));
  }
  SECTION("missing file") {
    CHECK_THROWS_WITH(read_entries(dir / "absent.deb"), Catch::Contains("absent.deb"));
  }
}

TEST_CASE("read_deb refuses '..' paths", "[deb_reader]") {
  TempDir dir;
  auto deb = craft_deb(dir / "evil.deb", "evil", {{"./", 'd', "", 0755}, {"./../x", 'f', "owned"}});
  CHECK_THROWS_WITH(read_entries(deb), Catch::Contains("evil.deb") && Catch::Contains("../x"));
}

TEST_CASE("read_deb reads a real Debian package", "[deb_reader][network]") {
  TempDir dir;
  auto download = run("cd " + shell_quote(dir.path().string()) + " && apt-get download dash 2>&1");
  REQUIRE(download.exit_code == 0);
  fs::path deb;
  for (const auto& item : fs::directory_iterator(dir.path()))
    if (item.path().extension() == ".deb") deb = item.path();
  REQUIRE(!deb.empty());
  DebControlFiles control;
  auto entries = read_entries(deb, &control);
  CHECK(control.control.get("Package") == "dash");
  CHECK(control.control.get("Essential") == "yes");
  REQUIRE(entries.count("bin/dash"));
  CHECK(entries["bin/dash"].entry.mode == 0755);
  CHECK(entries["bin/dash"].content.substr(0, 4) == "\x7f" "ELF");
  // Every md5sums line names a regular file of data.tar.
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < control.md5sums.size()) {
    auto end = control.md5sums.find('\n', start);
    std::string path = control.md5sums.substr(start + 34, end - start - 34);
    start = end + 1;
    ++lines;
    REQUIRE(entries.count(path));
    CHECK(entries[path].entry.type == oci::EntryType::Regular);
  }
  CHECK(lines > 3);
}
