// update-alternatives reproduced as data: the --install calls read from postinst scripts as
// Debian writes them, and the links and database written for them in auto mode.
#include "rootfs/alternatives.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "rootfs/deb_reader.h"
#include "rootfs/unpack.h"
#include "test_debs.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

// mawk's postinst (bookworm and trixie), as the package ships it.
const char* kMawkPostinst = R"(#!/bin/sh
set -e

if [ "$1" = "configure" ]; then
  update-alternatives \
    --install /usr/bin/awk awk /usr/bin/mawk 5 \
    --slave /usr/share/man/man1/awk.1.gz awk.1.gz /usr/share/man/man1/mawk.1.gz \
    --slave /usr/bin/nawk nawk /usr/bin/mawk \
    --slave /usr/share/man/man1/nawk.1.gz nawk.1.gz /usr/share/man/man1/mawk.1.gz
fi
)";

}  // namespace

TEST_CASE("the --install calls of a postinst, as data", "[alternatives]") {
  auto calls = find_alternative_installs("mawk", kMawkPostinst);
  REQUIRE(calls.installs.size() == 1);
  CHECK(calls.unreadable.empty());
  const auto& awk = calls.installs[0];
  CHECK(awk.package == "mawk");
  CHECK(awk.master.link == "/usr/bin/awk");
  CHECK(awk.master.name == "awk");
  CHECK(awk.master.path == "/usr/bin/mawk");
  CHECK(awk.priority == 5);
  REQUIRE(awk.slaves.size() == 3);
  CHECK(awk.slaves[1].link == "/usr/bin/nawk");
  CHECK(awk.slaves[1].name == "nawk");
  CHECK(awk.slaves[2].path == "/usr/share/man/man1/mawk.1.gz");

  // Quotes, options before the subcommand, a call after `then` and after `&&`, the full path.
  auto quoted = find_alternative_installs(
      "x", "if true; then update-alternatives --quiet --install '/usr/bin/x' \"x\" /usr/bin/x.real 10; fi\n"
           "true && /usr/bin/update-alternatives --install /usr/bin/y y /usr/bin/y.real -3\n");
  REQUIRE(quoted.installs.size() == 2);
  CHECK(quoted.installs[0].master.link == "/usr/bin/x");
  CHECK(quoted.installs[0].master.name == "x");
  CHECK(quoted.installs[1].priority == -3);

  // Not data: reported with the script's line, never guessed.
  auto variable = find_alternative_installs(
      "web", "#!/bin/sh\n\nupdate-alternatives --install /usr/bin/x-www-browser x-www-browser /usr/bin/$PKG 40\n");
  CHECK(variable.installs.empty());
  REQUIRE(variable.unreadable.size() == 1);
  CHECK_THAT(variable.unreadable[0], Catch::StartsWith("web postinst:3: ") && Catch::Contains("$PKG"));
  CHECK(find_alternative_installs("p", "update-alternatives --install /usr/bin/p p /usr/bin/q high\n").unreadable.size() == 1);
  CHECK(find_alternative_installs("p", "update-alternatives --install /usr/bin/p p\n").unreadable.size() == 1);

  // What adds nothing on a fresh system, and what only looks like a call.
  auto other = find_alternative_installs(
      "z", "update-alternatives --remove z /usr/bin/z.old\n# update-alternatives --install /a a /b 1\n"
           "echo update-alternatives --install /a a /b 1\nrm -f /var/log/update-alternatives.log\n");
  CHECK(other.installs.empty());
  CHECK(other.unreadable.empty());
}

TEST_CASE("auto mode: the highest priority whose file exists, slaves whose files exist", "[alternatives]") {
  TempDir dir;
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  tree.write_file("usr/bin/mawk", "mawk", {0755, 0, 0}, "test");
  tree.write_file("usr/bin/gawk", "gawk", {0755, 0, 0}, "test");
  tree.write_file("usr/bin/busybox", "busybox", {0755, 0, 0}, "test");
  std::vector<AlternativeInstall> installs;
  installs.push_back({"mawk", {"/usr/bin/awk", "awk", "/usr/bin/mawk"}, 5,
                      {{"/usr/share/man/man1/awk.1.gz", "awk.1.gz", "/usr/share/man/man1/mawk.1.gz"},
                       {"/usr/bin/nawk", "nawk", "/usr/bin/mawk"}}});
  installs.push_back({"gawk", {"/usr/bin/awk", "awk", "/usr/bin/gawk"}, 10,
                      {{"/usr/share/man/man1/awk.1.gz", "awk.1.gz", "/usr/share/man/man1/gawk.1.gz"}}});
  installs.push_back({"absent", {"/usr/bin/awk", "awk", "/usr/bin/original-awk"}, 90, {}});
  installs.push_back({"nothing", {"/usr/bin/none", "none", "/usr/bin/not-there"}, 1, {}});
  // A package's own file where a link would go: update-alternatives does not replace it.
  tree.write_file("usr/bin/taken", "a real file", {0755, 0, 0}, "test");
  installs.push_back({"taker", {"/bin/taken", "taken", "/usr/bin/busybox"}, 1, {}});

  auto applied = apply_alternatives(tree, installs);
  CHECK(applied.names == std::vector<std::string>{"awk", "taken"});
  fs::path root = dir / "root";
  CHECK(fs::read_symlink(root / "usr/bin/awk") == "/etc/alternatives/awk");
  CHECK(fs::read_symlink(root / "etc/alternatives/awk") == "/usr/bin/gawk");  // 10 beats 5; 90's file is absent
  CHECK_FALSE(fs::exists(fs::symlink_status(root / "usr/bin/nawk")));      // gawk has no nawk slave
  CHECK_FALSE(fs::exists(fs::symlink_status(root / "usr/share/man/man1/awk.1.gz")));  // the page is not there
  CHECK(read_text(root / "var/lib/dpkg/alternatives/awk") ==
        "auto\n/usr/bin/awk\n"
        "awk.1.gz\n/usr/share/man/man1/awk.1.gz\nnawk\n/usr/bin/nawk\n\n"
        "/usr/bin/gawk\n10\n/usr/share/man/man1/gawk.1.gz\n\n"
        "/usr/bin/mawk\n5\n/usr/share/man/man1/mawk.1.gz\n/usr/bin/mawk\n"
        "/usr/bin/original-awk\n90\n\n\n\n");
  CHECK(fs::is_regular_file(fs::symlink_status(root / "usr/bin/taken")));
  REQUIRE(applied.skipped.size() == 2);
  CHECK_THAT(applied.skipped[0], Catch::Contains("nothing: none: no alternative's file is in the tree"));
  CHECK_THAT(applied.skipped[1], Catch::Contains("not replacing /bin/taken"));
  // A group whose every file the build leaves out on purpose (a man page) says nothing.
  auto slimmed = apply_alternatives(tree, {{"bash", {"/usr/share/man/man7/builtins.7.gz", "builtins.7.gz",
                                                      "/usr/share/man/man7/bash-builtins.7.gz"}, 10, {}}},
                                    [](const std::string& path) { return path.starts_with("/usr/share/man/"); });
  CHECK(slimmed.names.empty());
  CHECK(slimmed.skipped.empty());
}

TEST_CASE("mawk and debianutils from the archive: awk and which work in the tree", "[alternatives][network]") {
  TempDir dir;
  auto debs = download_debs(dir.path(), "base-files libc6 dash mawk debianutils");
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  std::vector<AlternativeInstall> installs;
  for (const auto& deb : debs) {
    auto unpacked = unpack_deb(deb, tree);
    auto calls = find_alternative_installs(unpacked.name, unpacked.control_files.postinst);
    CHECK(calls.unreadable.empty());
    installs.insert(installs.end(), calls.installs.begin(), calls.installs.end());
  }
  auto applied = apply_alternatives(tree, installs);
  CHECK(std::find(applied.names.begin(), applied.names.end(), "awk") != applied.names.end());
  CHECK(std::find(applied.names.begin(), applied.names.end(), "which") != applied.names.end());
  fs::path root = dir / "root";
  CHECK(fs::read_symlink(root / "etc/alternatives/awk") == "/usr/bin/mawk");
  CHECK(fs::read_symlink(root / "usr/bin/nawk") == "/etc/alternatives/nawk");
  CHECK_THAT(read_text(root / "var/lib/dpkg/alternatives/awk"), Catch::StartsWith("auto\n/usr/bin/awk\n"));
  tree.make_symlink("usr/bin/sh", "dash", "test");
  auto awk = run("chroot " + shell_quote(root.string()) + " /usr/bin/awk 'BEGIN { print 6 * 7 }'");
  CHECK(awk.output == "42\n");
  auto which = run("chroot " + shell_quote(root.string()) + " /usr/bin/which dash");
  CHECK(which.output == "/usr/bin/dash\n");
}
