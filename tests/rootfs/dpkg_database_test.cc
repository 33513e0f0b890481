#include "rootfs/dpkg_database.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "base/error.h"
#include "rootfs/unpack.h"
#include "test_debs.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

TEST_CASE("write_dpkg_database gives dpkg-query exactly the installed set", "[dpkg_database]") {
  TempDir dir;
  auto tool = build_test_deb(dir.path(), "tool", {{"usr/bin/tool", {"#!/bin/sh\n", 0755}},
                                                   {"etc/tool.conf", {"setting=1\n"}}},
                             {"/etc/tool.conf"});
  auto library = build_test_deb(dir.path(), "libtool-test1", {{"usr/lib/libtool-test.so.1", {"ELF"}}}, {},
                                "Architecture: amd64\nMulti-Arch: same\n");
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  std::vector<UnpackedPackage> packages{unpack_deb(tool, tree), unpack_deb(library, tree)};
  write_dpkg_database(tree, packages);
  std::string admin = shell_quote((dir / "root/var/lib/dpkg").string());

  auto listed = run("dpkg-query --admindir=" + admin + " -W -f='${Package} ${Version} ${db:Status-Abbrev}\\n'");
  CHECK(listed.exit_code == 0);
  CHECK(listed.output == "libtool-test1 1.0-1 ii \ntool 1.0-1 ii \n");

  auto files = run("dpkg-query --admindir=" + admin + " -L tool");
  CHECK_THAT(files.output, Catch::Contains("/usr/bin/tool\n") && Catch::Contains("/etc/tool.conf\n"));
  // Multi-Arch: same packages keep their files under <pkg>:<arch>.
  CHECK(fs::exists(dir / "root/var/lib/dpkg/info/libtool-test1:amd64.list"));
  CHECK(fs::exists(dir / "root/var/lib/dpkg/info/tool.md5sums"));
  CHECK(read_text(dir / "root/var/lib/dpkg/info/tool.conffiles") == "/etc/tool.conf\n");
  CHECK(read_text(dir / "root/var/lib/dpkg/info/format") == "1\n");

  // The conffile's recorded MD5 is the unpacked file's, so dpkg sees it unmodified.
  auto md5 = run("md5sum < " + shell_quote((dir / "root/etc/tool.conf").string()) + " | cut -d' ' -f1");
  auto conffiles = run("dpkg-query --admindir=" + admin + " -W -f='${Conffiles}' tool");
  CHECK(conffiles.output == " /etc/tool.conf " + md5.output.substr(0, 32));
  // Nothing the dpkg-deb package shipped fails verification.
  auto verify = run("dpkg --admindir=" + admin + " --root=" + shell_quote((dir / "root").string()) + " --verify tool 2>&1");
  CHECK(verify.exit_code == 0);
  CHECK(verify.output.empty());

  std::string status = read_text(dir / "root/var/lib/dpkg/status");
  CHECK_THAT(status, Catch::StartsWith("Package: libtool-test1\nStatus: install ok installed\n"));
  CHECK_THAT(status, Catch::Contains("\n\nPackage: tool\nStatus: install ok installed\n"));
  CHECK_THAT(status, Catch::Contains("Description: test package\n long description\n .\n second paragraph\n"));
}

TEST_CASE("write_dpkg_database refuses a package installed twice", "[dpkg_database]") {
  TempDir dir;
  auto tool = build_test_deb(dir.path(), "tool", {{"usr/bin/tool", {"x", 0755}}});
  StagingTree tree(dir / "root");
  auto once = unpack_deb(tool, tree);
  CHECK_THROWS_WITH(write_dpkg_database(tree, {once, once}), Catch::Contains("tool") && Catch::Contains("twice"));
}
