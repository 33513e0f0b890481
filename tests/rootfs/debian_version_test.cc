// Version ordering against Debian's own test vectors: apt's test/libapt/versions.lst and
// dpkg's lib/dpkg/t/t-version.c, and against the host's `dpkg --compare-versions`.
#include <catch2/catch.hpp>

#include "base/error.h"
#include "rootfs/debian_version.h"
#include "test_support.h"

using namespace nanoforge::rootfs;

namespace {
struct Vector {
  const char* a;
  const char* b;
  int expected;
};

// apt's versions.lst: "a b result", 1 when a > b.
const Vector kAptVectors[] = {
    {"7.6p2-4", "7.6-0", 1},
    {"1.0.3-3", "1.0-1", 1},
    {"1.3", "1.2.2-2", 1},
    {"1.3", "1.2.2", 1},
    {"1:0.4", "10.3", 1},
    {"1:1.25-4", "1:1.25-8", -1},
    {"0:1.18.36", "1.18.36", 0},
    {"1.18.36", "1.18.35", 1},
    {"0:1.18.36", "1.18.35", 1},
    {"9:1.18.36:5.4-20", "10:0.5.1-22", -1},
    {"9:1.18.36:5.4-20", "9:1.18.36:5.5-1", -1},
    {"9:1.18.36:5.4-20", "9:1.18.37:4.3-22", -1},
    {"1.18.36-0.17.35-18", "1.18.36-19", 1},
    {"1:1.2.13-3", "1:1.2.13-3.1", -1},
    {"2.0.7pre1-4", "2.0.7r-1", -1},
    {"0-pre", "0-pre", 0},
    {"0-pre", "0-pree", -1},
    {"1.1.6r2-2", "1.1.6r-1", 1},
    {"2.6b2-1", "2.6b-2", 1},
    {"98.1p5-1", "98.1-pre2-b6-2", -1},
    {"0.4a6-2", "0.4-1", 1},
    {"1:3.0.5-2", "1:3.0.5.1", -1},
    {"3.0~rc1-1", "3.0-1", -1},
    {"1.0", "1.0-0", 0},
    {"0.2", "1.0-0", -1},
    {"1.0", "1.0-0+b1", -1},
    {"1.0", "1.0-0~", 1},
    {"0:0-0-0", "0-0", 1},
    {"0", "0", 0},
    {"0", "00", 0},
    {"1.2.3", "1.2.3", 0},
    {"4.4.3-2", "4.4.3-2", 0},
    {"1:2ab:5", "1:2ab:5", 0},
    {"7:1-a:b-5", "7:1-a:b-5", 0},
    {"57:1.2.3abYZ+~-4-5", "57:1.2.3abYZ+~-4-5", 0},
    {"1.2.3", "0:1.2.3", 0},
    {"1.2.3", "1.2.3-0", 0},
    {"009", "9", 0},
    {"009ab5", "9ab5", 0},
    {"1.2.3", "1.2.3-1", -1},
    {"1.2.3", "1.2.4", -1},
    {"1.2.4", "1.2.3", 1},
    {"1.2.24", "1.2.3", 1},
    {"0.10.0", "0.8.7", 1},
    {"3.2", "2.3", 1},
    {"1.3.2a", "1.3.2", 1},
    {"0.5.0~git", "0.5.0~git2", -1},
    {"2a", "21", -1},
    {"1.3.2a", "1.3.2b", -1},
    {"1:1.2.3", "1.2.4", 1},
    {"1:1.2.3", "1:1.2.4", -1},
    {"1.2a+~bCd3", "1.2a++", -1},
    {"1.2a+~bCd3", "1.2a+~", 1},
    {"5:2", "304-2", 1},
    {"5:2", "304:2", -1},
    {"25:2", "3:2", 1},
    {"1:2:123", "1:12:3", -1},
    {"1.2-5", "1.2-3-5", -1},
    {"5.10.0", "5.005", 1},
    {"3a9.8", "3.10.2", -1},
    {"3a9.8", "3~10", 1},
    {"1.4+OOo3.0.0~", "1.4+OOo3.0.0-4", -1},
    {"2.4.7-1", "2.4.7-z", -1},
    {"1.002-1+b2", "1.00", 1},
};

int sign(int value) { return value < 0 ? -1 : value > 0 ? 1 : 0; }
}  // namespace

TEST_CASE("apt's version test vectors order as apt and dpkg order them", "[version]") {
  for (const auto& vector : kAptVectors) {
    INFO(vector.a << " vs " << vector.b);
    CHECK(sign(compare_versions(vector.a, vector.b)) == vector.expected);
    CHECK(sign(compare_versions(vector.b, vector.a)) == -vector.expected);
  }
}

TEST_CASE("dpkg's parse vectors split epoch, upstream and revision", "[version]") {
  auto parts = [](const char* text) {
    auto version = DebianVersion::parse(text);
    return std::to_string(version.epoch) + "|" + version.upstream + "|" + version.revision;
  };
  CHECK(parts("0") == "0|0|");
  CHECK(parts("0:0") == "0|0|");
  CHECK(parts("0:0-") == "0|0|");
  CHECK(parts("0:0-0") == "0|0|0");
  CHECK(parts("0:0.0-0.0") == "0|0.0|0.0");
  CHECK(parts("1:0") == "1|0|");
  CHECK(parts("5:1") == "5|1|");
  CHECK(parts("0:0-0-0") == "0|0-0|0");
  CHECK(parts("0:0-0-0-0") == "0|0-0-0|0");
  CHECK(parts("0:0:0-0") == "0|0:0|0");
  CHECK(parts("0:0:0:0-0") == "0|0:0:0|0");
  CHECK(parts("0:0:0-0-0") == "0|0:0-0|0");
  CHECK(parts("0:0-0:0-0") == "0|0-0:0|0");
  CHECK(parts("0:09azAZ.-+~:-0") == "0|09azAZ.-+~:|0");
  CHECK(parts("0:0-azAZ09.+~") == "0|0|azAZ09.+~");
  CHECK(parts("  \t0:0-1") == "0|0|1");
  CHECK(parts("0:0-1\t  ") == "0|0|1");
  // dpkg: versions differing only in leading zeroes are equal.
  CHECK(compare_versions("0:0-00", "0:00-0") == 0);
  CHECK(compare_versions("0:0-0", "1:0-0") < 0);
}

TEST_CASE("dpkg's invalid versions are rejected with the text named", "[version]") {
  for (std::string bad : {"", "  ", "0:", "0:0 0-1", "-1:0-1", "999999999999999999999999:0-1",
                          "a:0-0", "A:0-0", "-0", "0:-0", "0:abc3-0", "0:0-0:0"}) {
    INFO("'" << bad << "'");
    CHECK_THROWS_AS(DebianVersion::parse(bad), nanoforge::Error);
  }
  for (char c : std::string("!#@$%&/|\\<>()[]{};,_=*^'")) {
    std::string upstream = std::string("0:0") + c + "-0";
    INFO(upstream);
    CHECK_THROWS_AS(DebianVersion::parse(upstream), nanoforge::Error);
  }
  for (char c : std::string("!#@$%&/|\\<>()[]{}:;,_=*^'")) {
    std::string revision = std::string("0:0-0") + c;
    INFO(revision);
    CHECK_THROWS_AS(DebianVersion::parse(revision), nanoforge::Error);
  }
  CHECK_THROWS_WITH(DebianVersion::parse("x1.0"), Catch::Contains("'x1.0'"));
}

TEST_CASE("relations follow dpkg, including the obsolete < and >", "[version]") {
  CHECK(version_satisfies("1-1", VersionRelation::Equal, "1-1"));
  CHECK_FALSE(version_satisfies("1-1", VersionRelation::Earlier, "1-1"));
  CHECK(version_satisfies("1-1", VersionRelation::EarlierOrEqual, "1-1"));
  CHECK_FALSE(version_satisfies("1-1", VersionRelation::Later, "1-1"));
  CHECK(version_satisfies("1-1", VersionRelation::LaterOrEqual, "1-1"));
  CHECK(version_satisfies("1-1", VersionRelation::Earlier, "2-1"));
  CHECK(version_satisfies("2-1", VersionRelation::Later, "1-1"));
  CHECK(version_satisfies("2.36-9+deb12u4", VersionRelation::LaterOrEqual, "2.36"));
  CHECK(version_satisfies("1.0~rc1", VersionRelation::Earlier, "1.0"));
  CHECK(version_satisfies("anything-is-ignored", VersionRelation::Any, ""));
  CHECK(parse_version_relation("<") == VersionRelation::EarlierOrEqual);
  CHECK(parse_version_relation(">") == VersionRelation::LaterOrEqual);
  CHECK(parse_version_relation(">>") == VersionRelation::Later);
  CHECK_THROWS_WITH(parse_version_relation("=>"), Catch::Contains("'=>'"));
  CHECK(DebianVersion::parse("0:1.2-3").str() == "1.2-3");
  CHECK(DebianVersion::parse("2:1.2").str() == "2:1.2");
}

TEST_CASE("the ordering agrees with the host's dpkg --compare-versions", "[version]") {
  using nanoforge::testing::run;
  if (run("command -v dpkg").exit_code != 0) NANOFORGE_SKIP("dpkg is not installed on this host");
  // One dpkg call per pair is slow; a shell loop over all vectors is one process.
  std::string script;
  for (const auto& vector : kAptVectors)
    script += std::string("if dpkg --compare-versions '") + vector.a + "' lt '" + vector.b +
              "'; then echo -1; elif dpkg --compare-versions '" + vector.a + "' eq '" + vector.b +
              "'; then echo 0; else echo 1; fi;";
  auto result = run(script);
  REQUIRE(result.exit_code == 0);
  std::istringstream lines(result.output);
  for (const auto& vector : kAptVectors) {
    int dpkg_says = 2;
    lines >> dpkg_says;
    INFO(vector.a << " vs " << vector.b);
    CHECK(sign(compare_versions(vector.a, vector.b)) == dpkg_says);
  }
}
