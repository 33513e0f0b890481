// Turning a directory into layer entries: image paths, order, owners, links, and refusals.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "base/error.h"
#include "oci/layer_entry.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::oci;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;
namespace fs = std::filesystem;

namespace {
const LayerEntry& entry_at(const std::vector<LayerEntry>& entries, const std::string& path) {
  for (const auto& entry : entries)
    if (entry.path == path) return entry;
  FAIL("no entry " << path);
  throw std::logic_error("unreachable");
}
}  // namespace

TEST_CASE("image paths are normalised and may not escape the root", "[entry]") {
  REQUIRE(normalize_image_path("/opt/venv/", "test") == "opt/venv");
  REQUIRE(normalize_image_path("./usr//lib/./x", "test") == "usr/lib/x");
  REQUIRE(normalize_image_path("/", "test").empty());
  REQUIRE(normalize_image_path("", "test").empty());
  REQUIRE(normalize_image_path("data", "test") == "data");
  REQUIRE_THROWS_WITH(normalize_image_path("../etc", "layer 'venv'"),
                      Catch::Contains("layer 'venv'") && Catch::Contains("'../etc'"));
  REQUIRE_THROWS_WITH(normalize_image_path("a/../../b", "x"), Catch::Contains("a/../../b"));
  REQUIRE_THROWS_AS(normalize_image_path(std::string("a\0b", 3), "x"), Error);
}

TEST_CASE("entries sort by path component, parents first", "[entry]") {
  std::vector<std::string> paths{"a-b", "a/b/c", "a", "a/b", "a.txt", "B", "a/b-c", "a/b/"};
  std::sort(paths.begin(), paths.end(), image_path_less);
  REQUIRE(paths == std::vector<std::string>{"B", "a", "a/b", "a/b/", "a/b/c", "a/b-c", "a-b", "a.txt"});
}

TEST_CASE("scan_directory describes the tree under its destination", "[entry]") {
  TempDir tree;
  fs::create_directories(tree / "bin");
  fs::create_directories(tree / "data/cache");
  write_text(tree / "bin/run", "#!/bin/sh\n");
  ::chmod((tree / "bin/run").c_str(), 04755);
  write_text(tree / "data/cache/x", "12345");
  fs::create_symlink("/does/not/exist", tree / "bin/dangling");
  fs::create_hard_link(tree / "bin/run", tree / "bin/again");
  fs::create_hard_link(tree / "bin/run", tree / "data/third");

  auto entries = scan_directory(tree.path(), "/srv/app/", {{"/srv/app/data", 1000, 1001}, {"srv/app/data/cache", 7, 8}});
  std::vector<std::string> paths;
  for (const auto& entry : entries) paths.push_back(entry.path);
  REQUIRE(paths == std::vector<std::string>{"srv", "srv/app", "srv/app/bin", "srv/app/bin/again",
                                            "srv/app/bin/dangling", "srv/app/bin/run", "srv/app/data",
                                            "srv/app/data/cache", "srv/app/data/cache/x", "srv/app/data/third"});
  const auto& parent = entry_at(entries, "srv");
  REQUIRE(parent.type == EntryType::Directory);
  REQUIRE(parent.mode == 0755);
  REQUIRE(parent.uid == 0);
  // The first link in layer order holds the content; the others link to it.
  const auto& first = entry_at(entries, "srv/app/bin/again");
  REQUIRE(first.type == EntryType::Regular);
  REQUIRE(first.mode == 04755);
  REQUIRE(first.size == 10);
  REQUIRE(first.source == tree / "bin/again");
  for (const char* link : {"srv/app/bin/run", "srv/app/data/third"}) {
    INFO(link);
    REQUIRE(entry_at(entries, link).type == EntryType::Hardlink);
    REQUIRE(entry_at(entries, link).link_target == "srv/app/bin/again");
  }
  REQUIRE(entry_at(entries, "srv/app/bin/dangling").type == EntryType::Symlink);
  REQUIRE(entry_at(entries, "srv/app/bin/dangling").link_target == "/does/not/exist");
  // Owner rules: the longest matching prefix wins; everything else is root.
  REQUIRE(entry_at(entries, "srv/app/data").uid == 1000);
  REQUIRE(entry_at(entries, "srv/app/data").gid == 1001);
  REQUIRE(entry_at(entries, "srv/app/data/third").uid == 1000);
  REQUIRE(entry_at(entries, "srv/app/data/cache").uid == 7);
  REQUIRE(entry_at(entries, "srv/app/data/cache/x").gid == 8);
  REQUIRE(entry_at(entries, "srv/app/bin").uid == 0);
  REQUIRE(entry_at(entries, "srv/app").gid == 0);
}

TEST_CASE("scan_directory refuses sockets, FIFOs and non-directories, naming them", "[entry][errors]") {
  TempDir tree;
  fs::create_directories(tree / "run");
  SECTION("FIFO") {
    REQUIRE(::mkfifo((tree / "run/pipe").c_str(), 0644) == 0);
    REQUIRE_THROWS_WITH(scan_directory(tree.path(), ""),
                        Catch::Contains((tree / "run/pipe").string()) && Catch::Contains("FIFO"));
  }
  SECTION("socket") {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = (tree / "run/s").string();
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
    REQUIRE_THROWS_WITH(scan_directory(tree.path(), ""), Catch::Contains(path) && Catch::Contains("socket"));
  }
  SECTION("source is a file") {
    write_text(tree / "file", "x");
    REQUIRE_THROWS_WITH(scan_directory(tree / "file", ""), Catch::Contains("not a directory"));
  }
  SECTION("source is missing") {
    REQUIRE_THROWS_WITH(scan_directory(tree / "absent", ""), Catch::Contains((tree / "absent").string()));
  }
  SECTION("destination escapes the root") {
    REQUIRE_THROWS_WITH(scan_directory(tree.path(), "opt/../../etc"), Catch::Contains("opt/../../etc"));
  }
}

TEST_CASE("apply_owner_rules changes only what the rules cover", "[entry]") {
  std::vector<LayerEntry> entries(4);
  entries[0].path = "data";
  entries[1].path = "data/x";
  entries[2].path = "database";
  entries[3].path = "etc/passwd";
  apply_owner_rules(entries, {{"/data", 1000, 1000}, {"", 5, 5}});
  REQUIRE(entries[0].uid == 1000);
  REQUIRE(entries[1].uid == 1000);
  REQUIRE(entries[2].uid == 5);  // "database" is not below "data"
  REQUIRE(entries[3].gid == 5);
  REQUIRE_THROWS_WITH(apply_owner_rules(entries, {{"../x", 1, 1}}), Catch::Contains("owner rule"));
}
