#include "rootfs/unpack.h"

#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "base/error.h"
#include "test_debs.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {
const oci::LayerEntry* find_entry(const std::vector<oci::LayerEntry>& entries, const std::string& path) {
  for (const auto& entry : entries)
    if (entry.path == path) return &entry;
  return nullptr;
}
}  // namespace

TEST_CASE("unpack_deb applies merged-/usr and keeps the package's modes", "[unpack]") {
  TempDir dir;
  auto deb = build_test_deb(dir.path(), "shell",
                            {{"bin/shell", {"ELF", 04755}},
                             {"bin/sh", {"", 0, "shell"}},
                             {"lib/x86_64-linux-gnu/libshell.so.1", {"lib", 0644}},
                             {"etc/shell.conf", {"conf\n"}},
                             {"usr/share/doc/shell/copyright", {"(c)\n"}}},
                            {"/etc/shell.conf"});
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  auto package = unpack_deb(deb, tree);

  CHECK(package.name == "shell");
  CHECK(package.architecture == "all");
  CHECK(package.control_files.conffiles == std::vector<std::string>{"/etc/shell.conf"});
  // dpkg's list keeps the package's own paths.
  CHECK(package.listed_paths.front() == "/.");
  CHECK(std::count(package.listed_paths.begin(), package.listed_paths.end(), "/bin/shell") == 1);

  CHECK(fs::read_symlink(dir / "root/bin") == "usr/bin");
  CHECK(fs::read_symlink(dir / "root/lib") == "usr/lib");
  CHECK(fs::read_symlink(dir / "root/sbin") == "usr/sbin");
  CHECK(fs::read_symlink(dir / "root/lib64") == "usr/lib64");
  CHECK(fs::is_regular_file(fs::symlink_status(dir / "root/usr/bin/shell")));
  CHECK(read_text(dir / "root/usr/lib/x86_64-linux-gnu/libshell.so.1") == "lib");
  CHECK(fs::read_symlink(dir / "root/usr/bin/sh") == "shell");
  CHECK(read_text(dir / "root/etc/shell.conf") == "conf\n");

  auto entries = tree.entries();
  const auto* shell = find_entry(entries, "usr/bin/shell");
  REQUIRE(shell);
  CHECK(shell->mode == 04755);
  CHECK(shell->uid == 0);
  CHECK(shell->type == oci::EntryType::Regular);
  CHECK(shell->size == 3);
  const auto* bin = find_entry(entries, "bin");
  REQUIRE(bin);
  CHECK(bin->type == oci::EntryType::Symlink);
  CHECK(bin->link_target == "usr/bin");
  CHECK(find_entry(entries, "usr/bin/sh")->type == oci::EntryType::Symlink);
}

TEST_CASE("a package that ships the merged-/usr links itself (trixie's base-files) is accepted", "[unpack]") {
  TempDir dir;
  // The same links create_merged_usr_layout makes, as trixie's base-files ships them.
  auto same = build_test_deb(dir.path(), "base-files",
                             {{"bin", {"", 0, "usr/bin"}},
                              {"lib", {"", 0, "usr/lib"}},
                              {"lib64", {"", 0, "usr/lib64"}},
                              {"sbin", {"", 0, "usr/sbin"}},
                              {"usr/bin/tool", {"tool", 0755}}});
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  CHECK_NOTHROW(unpack_deb(same, tree));
  CHECK(fs::read_symlink(dir / "root/bin") == "usr/bin");
  CHECK(fs::is_regular_file(dir / "root/bin/tool"));
  // Anything else in their place is refused, naming it.
  auto other = build_test_deb(dir.path(), "hijack", {{"bin", {"", 0, "opt/bin"}}});
  CHECK_THROWS_WITH(unpack_deb(other, tree),
                    Catch::Contains("a symlink to 'opt/bin' at 'bin' would replace the merged-/usr symlink"));
  auto file = build_test_deb(dir.path(), "flat", {{"sbin", {"not a directory"}}});
  CHECK_THROWS_WITH(unpack_deb(file, tree), Catch::Contains("a non-directory at 'sbin'"));
  CHECK(fs::read_symlink(dir / "root/bin") == "usr/bin");
}

TEST_CASE("unpack_deb records tar owners, not the host's", "[unpack]") {
  TempDir dir;
  auto deb = craft_deb(dir / "owned.deb", "owned",
                       {{"./", 'd', "", 0755},
                        {"./var/", 'd', "", 0755},
                        {"./var/spool/", 'd', "", 01777},
                        {"./var/spool/file", 'f', "x", 0640}});
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  unpack_deb(deb, tree);
  auto entries = tree.entries();
  REQUIRE(find_entry(entries, "var/spool"));
  CHECK(find_entry(entries, "var/spool")->mode == 01777);
  CHECK(find_entry(entries, "var/spool/file")->mode == 0640);
}

TEST_CASE("unpack_deb turns tar hard links into layer hard links", "[unpack]") {
  TempDir dir;
  auto deb = craft_deb(dir / "links.deb", "links",
                       {{"./", 'd', "", 0755},
                        {"./usr/", 'd', "", 0755},
                        {"./usr/bin/", 'd', "", 0755},
                        {"./usr/bin/zeta", 'f', "same", 0755},
                        {"./usr/bin/alpha", 'h', "./usr/bin/zeta", 0755}});
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  unpack_deb(deb, tree);
  CHECK(fs::equivalent(dir / "root/usr/bin/zeta", dir / "root/usr/bin/alpha"));
  auto entries = tree.entries();
  // The first path in layer order carries the content.
  CHECK(find_entry(entries, "usr/bin/alpha")->type == oci::EntryType::Regular);
  CHECK(find_entry(entries, "usr/bin/zeta")->type == oci::EntryType::Hardlink);
  CHECK(find_entry(entries, "usr/bin/zeta")->link_target == "usr/bin/alpha");
}

TEST_CASE("unpack_deb refuses to write outside the root", "[unpack]") {
  TempDir dir;
  TempDir outside;
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);

  SECTION("a '../' path") {
    auto deb = craft_deb(dir / "dotdot.deb", "dotdot", {{"./", 'd', "", 0755}, {"./etc/../../x", 'f', "owned"}});
    CHECK_THROWS_WITH(unpack_deb(deb, tree), Catch::Contains("dotdot.deb") && Catch::Contains("../x"));
    CHECK_FALSE(fs::exists(dir / "x"));
  }
  SECTION("a file under an absolute symlink") {
    auto deb = craft_deb(dir / "abs.deb", "abs",
                         {{"./", 'd', "", 0755},
                          {"./etc/", 'd', "", 0755},
                          {"./etc/x", 'l', outside.path().string()},
                          {"./etc/x/pwned", 'f', "owned"}});
    CHECK_THROWS_WITH(unpack_deb(deb, tree), Catch::Contains("package abs") && Catch::Contains("etc/x/pwned") &&
                                                 Catch::Contains("absolute symlink"));
    CHECK(fs::is_empty(outside.path()));
  }
  SECTION("a file under '/'") {
    auto deb = craft_deb(dir / "root.deb", "rootlink",
                         {{"./", 'd', "", 0755}, {"./etc/", 'd', "", 0755}, {"./etc/x", 'l', "/"},
                          {"./etc/x/tmp/pwned", 'f', "owned"}});
    CHECK_THROWS_WITH(unpack_deb(deb, tree), Catch::Contains("package rootlink") && Catch::Contains("etc/x"));
  }
  SECTION("a relative symlink that climbs out") {
    auto deb = craft_deb(dir / "rel.deb", "rel",
                         {{"./", 'd', "", 0755}, {"./etc/", 'd', "", 0755}, {"./etc/up", 'l', "../../.."}});
    CHECK_THROWS_WITH(unpack_deb(deb, tree), Catch::Contains("package rel") && Catch::Contains("etc/up") &&
                                                 Catch::Contains("outside the root"));
  }
  SECTION("a file through a relative symlink shipped by an earlier package") {
    auto first = craft_deb(dir / "first.deb", "first",
                           {{"./", 'd', "", 0755}, {"./usr/", 'd', "", 0755}, {"./usr/share/", 'd', "", 0755},
                            {"./usr/share/real/", 'd', "", 0755}, {"./usr/share/alias", 'l', "real"}});
    auto second = craft_deb(dir / "second.deb", "second",
                            {{"./", 'd', "", 0755}, {"./usr/share/alias/", 'd', "", 0755},
                             {"./usr/share/alias/file", 'f', "inside"}});
    unpack_deb(first, tree);
    unpack_deb(second, tree);  // inside the root: resolved like dpkg does
    CHECK(read_text(dir / "root/usr/share/real/file") == "inside");
    CHECK(fs::is_symlink(dir / "root/usr/share/alias"));
  }
}

TEST_CASE("unpack_deb unpacks real packages", "[unpack][network]") {
  TempDir dir;
  auto download = run("cd " + shell_quote(dir.path().string()) + " && apt-get download base-files libc6 dash 2>&1");
  REQUIRE(download.exit_code == 0);
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  std::vector<fs::path> debs;
  for (const auto& item : fs::directory_iterator(dir.path()))
    if (item.path().extension() == ".deb") debs.push_back(item.path());
  std::sort(debs.begin(), debs.end());
  REQUIRE(debs.size() == 3);
  for (const auto& deb : debs) unpack_deb(deb, tree);
  CHECK(fs::is_regular_file(fs::symlink_status(dir / "root/usr/bin/dash")));
  CHECK(fs::exists(dir / "root/usr/lib/x86_64-linux-gnu/libc.so.6"));
  CHECK(fs::is_symlink(dir / "root/lib64"));
  CHECK(fs::exists(dir / "root/etc/debian_version"));
  auto entries = tree.entries();
  REQUIRE(find_entry(entries, "tmp"));
  CHECK(find_entry(entries, "tmp")->mode == 01777);
  CHECK(find_entry(entries, "root")->mode == 0700);
  // The dynamic loader runs the shell from the staged tree.
  auto ran = run("chroot " + shell_quote((dir / "root").string()) + " /bin/sh -c 'echo works' 2>&1");
  CHECK(ran.output == "works\n");
}

TEST_CASE("unpack_deb never writes what the slimming rules exclude, and still lists it", "[unpack]") {
  TempDir dir;
  auto deb = build_test_deb(dir.path(), "docs",
                            {{"usr/bin/tool", {"ELF", 0755}},
                             {"usr/share/doc/docs/changelog.gz", {std::string(1000, 'c')}},
                             {"usr/share/doc/docs/copyright", {"(c)\n"}},
                             {"usr/share/doc/docs/README", {"", 0, "changelog.gz"}},
                             {"usr/share/man/man1/tool.1.gz", {std::string(500, 'm')}}});
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  auto package = unpack_deb(deb, tree, runtime_slim_rules());
  CHECK(tree.exists("usr/bin/tool"));
  CHECK(tree.exists("usr/share/doc/docs/copyright"));  // path-include wins
  CHECK_FALSE(fs::exists(dir / "root/usr/share/doc/docs/changelog.gz"));
  CHECK_FALSE(fs::is_symlink(dir / "root/usr/share/doc/docs/README"));
  CHECK_FALSE(fs::exists(dir / "root/usr/share/man/man1/tool.1.gz"));
  CHECK(package.excluded_bytes == 1500);
  for (const char* listed : {"/usr/share/doc/docs/changelog.gz", "/usr/share/doc/docs/README",
                             "/usr/share/man/man1/tool.1.gz", "/usr/bin/tool"})
    CHECK(std::count(package.listed_paths.begin(), package.listed_paths.end(), listed) == 1);
  // Without rules everything is written, as before.
  StagingTree full(dir / "full");
  create_merged_usr_layout(full);
  CHECK(unpack_deb(deb, full).excluded_bytes == 0);
  CHECK(fs::exists(dir / "full/usr/share/man/man1/tool.1.gz"));
}

TEST_CASE("unpack_deb refuses a kept hard link to an excluded file", "[unpack]") {
  TempDir dir;
  auto deb = craft_deb(dir / "linked.deb", "linked",
                       {{"./", 'd', "", 0755},
                        {"./usr/", 'd', "", 0755},
                        {"./usr/share/", 'd', "", 0755},
                        {"./usr/share/doc/", 'd', "", 0755},
                        {"./usr/share/doc/linked/", 'd', "", 0755},
                        {"./usr/share/doc/linked/notes", 'f', "text", 0644},
                        {"./usr/share/linked-notes", 'h', "./usr/share/doc/linked/notes", 0644}});
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  CHECK_THROWS_WITH(unpack_deb(deb, tree, runtime_slim_rules()),
                    Catch::Contains("package linked") && Catch::Contains("usr/share/linked-notes") &&
                        Catch::Contains("a slimming rule excludes"));
}

TEST_CASE("unpack_debs writes what unpacking one package after another writes, errors in order", "[unpack]") {
  TempDir dir;
  std::vector<fs::path> debs;
  for (int i = 0; i < 9; ++i) {
    std::string name = "pkg" + std::to_string(i);
    // Every package replaces the shared file: only the last one's content may remain.
    debs.push_back(build_test_deb(dir.path(), name,
                                  {{"usr/lib/" + name + "/data", {std::string(100 + i, 'x')}},
                                   {"etc/shared.conf", {"from " + name + "\n"}}}));
  }
  StagingTree serial(dir / "serial");
  create_merged_usr_layout(serial);
  std::vector<UnpackedPackage> one_by_one;
  for (const auto& deb : debs) one_by_one.push_back(unpack_deb(deb, serial));
  StagingTree parallel(dir / "parallel");
  create_merged_usr_layout(parallel);
  std::size_t reported = 0;
  auto together = unpack_debs(debs, parallel, {}, [&](std::size_t done) { reported = done; });
  CHECK(reported == debs.size());
  REQUIRE(together.size() == one_by_one.size());
  for (std::size_t i = 0; i < debs.size(); ++i) {
    CHECK(together[i].name == one_by_one[i].name);
    CHECK(together[i].listed_paths == one_by_one[i].listed_paths);
  }
  CHECK(parallel.read_file("etc/shared.conf") == "from pkg8\n");
  CHECK(serial.read_file("etc/shared.conf") == "from pkg8\n");
  CHECK(parallel.entries().size() == serial.entries().size());

  // A corrupt package in the middle: its error, and nothing after it is written.
  write_text(debs[4], "not an ar archive");
  StagingTree broken(dir / "broken");
  create_merged_usr_layout(broken);
  CHECK_THROWS_WITH(unpack_debs(debs, broken, {}), Catch::Contains(debs[4].filename().string()));
  CHECK(broken.exists("usr/lib/pkg3/data"));
  CHECK_FALSE(broken.exists("usr/lib/pkg5/data"));
}
