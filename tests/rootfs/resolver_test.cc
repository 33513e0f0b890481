// The resolver on small synthetic archives: each case is a Packages text and a request.
#include <catch2/catch.hpp>

#include <algorithm>

#include "base/error.h"
#include "rootfs/package_index.h"
#include "rootfs/resolver.h"

using namespace nanoforge::rootfs;

namespace {

// A Packages stanza with the fields the index parser requires filled in.
std::string package(const std::string& name, const std::string& version,
                    const std::string& extra = "") {
  return "Package: " + name + "\nVersion: " + version + "\nArchitecture: amd64\nFilename: pool/" +
         name + "_" + version + ".deb\nSize: 100\nSHA256: " + std::string(64, 'a') + "\n" + extra +
         "\n";
}

PackageUniverse universe_of(const std::string& packages_text) {
  PackageUniverse universe;
  for (auto& record : parse_packages_index(packages_text, "file:///mirror", "test", "test-index"))
    universe.add(std::move(record));
  return universe;
}

std::vector<std::string> names(const Resolution& resolution) {
  std::vector<std::string> result;
  for (const auto& record : resolution.packages) result.push_back(record.name);
  return result;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("dependencies and pre-dependencies are followed", "[resolver]") {
  auto universe = universe_of(package("app", "1.0", "Pre-Depends: libpre\nDepends: liba (>= 1.0), libb\n") +
                              package("liba", "1.2", "Depends: libc\n") + package("libb", "3") +
                              package("libc", "2") + package("libpre", "1") + package("unused", "1"));
  auto resolution = resolve_packages(universe, {"app"});
  CHECK(names(resolution) == Names{"app", "liba", "libb", "libc", "libpre"});
  CHECK(resolution.explain("libc") ==
        "app (requested) -> liba (Depends: liba (>= 1.0)) -> libc (Depends: libc)");
}

TEST_CASE("alternatives: the first installable one, unless another is already chosen",
          "[resolver]") {
  auto universe = universe_of(package("app", "1", "Depends: gone | second | third\n") +
                              package("second", "1") + package("third", "1") +
                              package("tool", "1", "Depends: second | third\n"));
  CHECK(names(resolve_packages(universe, {"app"})) == Names{"app", "second"});
  // "third" is already selected when tool's group is looked at, so it satisfies the group.
  auto universe2 = universe_of(package("tool", "1", "Depends: second | third\n") +
                               package("second", "1") + package("third", "1"));
  CHECK(names(resolve_packages(universe2, {"third", "tool"})) == Names{"third", "tool"});
}

TEST_CASE("virtual packages are satisfied by their providers", "[resolver]") {
  auto universe = universe_of(package("app", "1", "Depends: mail-agent\n") +
                              package("mta-b", "1", "Provides: mail-agent\nPriority: optional\n") +
                              package("mta-a", "1", "Provides: mail-agent\nPriority: standard\n"));
  // Several providers: the one of highest priority.
  CHECK(names(resolve_packages(universe, {"app"})) == Names{"app", "mta-a"});
  // An already selected provider is kept.
  CHECK(names(resolve_packages(universe, {"mta-b", "app"})) == Names{"app", "mta-b"});
  // A requested virtual name with several providers must be made concrete.
  REQUIRE_THROWS_WITH(resolve_packages(universe, {"mail-agent"}),
                      Catch::Contains("virtual package") && Catch::Contains("mta-a, mta-b"));
}

TEST_CASE("versioned provides satisfy versioned dependencies, unversioned ones do not",
          "[resolver]") {
  auto universe = universe_of(package("app", "1", "Depends: abi (>= 2)\n") +
                              package("impl-old", "1", "Provides: abi (= 1)\n") +
                              package("impl-new", "1", "Provides: abi (= 2)\n") +
                              package("impl-any", "1", "Provides: abi\n"));
  CHECK(names(resolve_packages(universe, {"app"})) == Names{"app", "impl-new"});

  auto unversioned = universe_of(package("app", "1", "Depends: abi (>= 2)\n") +
                                 package("impl-any", "1", "Provides: abi\n"));
  REQUIRE_THROWS_WITH(resolve_packages(unversioned, {"app"}),
                      Catch::Contains("abi (>= 2)") && Catch::Contains("app (requested)"));
}

TEST_CASE("architecture qualifiers :any and :native resolve in a one-architecture root",
          "[resolver]") {
  auto universe = universe_of(package("app", "1", "Depends: interp:any (>= 3), libx:native\n") +
                              package("interp", "3.1", "Multi-Arch: allowed\n") + package("libx", "1"));
  CHECK(names(resolve_packages(universe, {"app"})) == Names{"app", "interp", "libx"});
}

TEST_CASE("dependency cycles terminate", "[resolver]") {
  auto universe = universe_of(package("a", "1", "Depends: b\n") + package("b", "1", "Depends: c\n") +
                              package("c", "1", "Pre-Depends: a\n"));
  CHECK(names(resolve_packages(universe, {"a"})) == Names{"a", "b", "c"});
  CHECK(names(resolve_packages(universe, {"c"})) == Names{"a", "b", "c"});
}

TEST_CASE("a missing package stops resolution with the chain that needed it", "[resolver]") {
  auto universe = universe_of(package("app", "1", "Depends: libmid\n") +
                              package("libmid", "1", "Depends: libgone (>= 1)\n"));
  REQUIRE_THROWS_WITH(resolve_packages(universe, {"app"}),
                      Catch::Contains("'libgone (>= 1)'") &&
                          Catch::Contains("libmid <- app (requested)") &&
                          Catch::Contains("'libgone' is not in the archive"));
  REQUIRE_THROWS_WITH(resolve_packages(universe, {"no-such-package"}),
                      Catch::Contains("'no-such-package' does not exist"));
}

TEST_CASE("an unsatisfiable version names what the archive has", "[resolver]") {
  auto universe = universe_of(package("app", "1", "Depends: libv (>= 3.0)\n") + package("libv", "2.5-1"));
  REQUIRE_THROWS_WITH(resolve_packages(universe, {"app"}),
                      Catch::Contains("libv (>= 3.0)") && Catch::Contains("libv 2.5-1"));
}

TEST_CASE("the exclusion rule: excluded packages come in only where something needs them",
          "[resolver]") {
  auto universe = universe_of(
      package("app", "1",
              "Pre-Depends: dpkg (>= 1.15)\nDepends: debconf (>= 0.5) | debconf-2.0, libreal\n") +
      package("dpkg", "1.21", "Depends: libmd0, tar\n") + package("libmd0", "1") + package("tar", "1") +
      package("debconf", "1.5", "Provides: debconf-2.0\nPre-Depends: perl-base\nDepends: dpkg\n") +
      package("perl-base", "5") + package("perl", "5", "Depends: perl-base (= 5)\n") +
      package("git", "1", "Depends: perl\n") + package("mawk", "1", "Provides: awk\n") +
      package("scripts", "1", "Depends: awk\n") + package("gawk", "1", "Provides: awk\n") +
      package("libreal", "1"));
  // A Pre-Depends on dpkg is for the maintainer scripts: skipped. debconf is script-only:
  // skipped although app Depends on it.
  auto resolution = resolve_packages(universe, {"app"});
  CHECK(names(resolution) == Names{"app", "libreal"});
  CHECK(resolution.skipped.count("dpkg"));
  CHECK(resolution.skipped.count("debconf"));
  REQUIRE_THROWS_WITH(resolution.why("dpkg"), Catch::Contains("script-only") && Catch::Contains("app Pre-Depends"));
  // Why not, either way: the rule that applied, or that nothing asked.
  CHECK_THAT(*resolution.why_not("debconf"), Catch::Contains("script-only (app Depends on it"));
  CHECK_THAT(*resolution.why_not("tar"), Catch::Contains("exclusion list, and no selected package depends on it"));
  CHECK_FALSE(resolution.why_not("libreal"));       // installed
  CHECK_FALSE(resolution.why_not("no-such-thing"));  // nothing excluded it
  // A Depends on an excluded package that is not script-only is a need: tar comes in.
  auto tool = resolve_packages(universe_of(package("tool", "1", "Depends: tar\n") + package("tar", "1")), {"tool"});
  CHECK(names(tool) == Names{"tar", "tool"});
  CHECK(tool.kept.at("tar") == "tool");
  CHECK_THAT(tool.explain("tar"), Catch::Contains("installed although on the exclusion list: tool Depends on it"));

  // git needs perl, perl needs perl-base (which holds /usr/bin/perl): all three come in.
  auto git = resolve_packages(universe, {"git"});
  CHECK(names(git) == Names{"git", "perl", "perl-base"});
  CHECK(git.kept.at("perl-base") == "perl");
  CHECK_THAT(git.explain("perl-base"), Catch::Contains("perl (Depends: perl") && Catch::Contains("perl Depends on it"));

  // Through a virtual package: another provider that is not excluded serves...
  CHECK(names(resolve_packages(universe, {"scripts"})) == Names{"gawk", "scripts"});
  // ...and one only the excluded package provides brings it in.
  auto only_mawk = universe_of(package("scripts", "1", "Depends: awk\n") + package("mawk", "1", "Provides: awk\n"));
  CHECK(names(resolve_packages(only_mawk, {"scripts"})) == Names{"mawk", "scripts"});

  // Asked for by name, an excluded package is installed, with its dependencies.
  CHECK(names(resolve_packages(universe, {"tar"})) == Names{"tar"});
  // The list is configurable: without it everything comes in.
  ResolveOptions everything;
  everything.exclusions.clear();
  everything.script_only.clear();
  CHECK(names(resolve_packages(universe, {"app"}, everything)) ==
        Names{"app", "debconf", "dpkg", "libmd0", "libreal", "perl-base", "tar"});
}

TEST_CASE("usr-is-merged is pinned over usrmerge", "[resolver]") {
  auto universe = universe_of(package("init-helpers", "1", "Depends: usrmerge | usr-is-merged\n") +
                              package("usrmerge", "1", "Depends: perl:any\n") + package("perl", "5") +
                              package("usr-is-merged", "1"));
  CHECK(names(resolve_packages(universe, {"init-helpers"})) == Names{"init-helpers", "usr-is-merged"});
  ResolveOptions no_pins;
  no_pins.alternative_pins.clear();
  CHECK(names(resolve_packages(universe, {"init-helpers"}, no_pins)) ==
        Names{"init-helpers", "perl", "usrmerge"});
}

TEST_CASE("the highest version of a package wins across suites", "[resolver]") {
  PackageUniverse universe;
  for (auto& record : parse_packages_index(package("libssl3", "3.0.11-1~deb12u2"), "m", "bookworm", "a"))
    universe.add(std::move(record));
  for (auto& record : parse_packages_index(package("libssl3", "3.0.15-1~deb12u1"), "m", "bookworm-security", "b"))
    universe.add(std::move(record));
  for (auto& record : parse_packages_index(package("libssl3", "3.0.9-1"), "m", "bookworm-updates", "c"))
    universe.add(std::move(record));
  REQUIRE(universe.find("libssl3"));
  CHECK(universe.find("libssl3")->version == "3.0.15-1~deb12u1");
  CHECK(universe.find("libssl3")->suite == "bookworm-security");
  // Another architecture's package is not part of an amd64 universe.
  auto foreign = parse_packages_index(
      "Package: x\nVersion: 1\nArchitecture: arm64\nFilename: f\nSize: 1\nSHA256: " +
          std::string(64, 'b') + "\n",
      "m", "s", "d");
  universe.add(foreign.front());
  CHECK(universe.find("x") == nullptr);
}

TEST_CASE("an index stanza without a required field is named", "[resolver]") {
  REQUIRE_THROWS_WITH(parse_packages_index("Package: broken\nVersion: 1\n", "m", "s", "Packages-test"),
                      Catch::Contains("Packages-test") && Catch::Contains("broken") &&
                          Catch::Contains("Architecture"));
}
