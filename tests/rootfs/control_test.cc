// deb822 control parsing (Packages, status, InRelease bodies) and relationship fields.
#include <catch2/catch.hpp>

#include "base/error.h"
#include "rootfs/control.h"
#include "rootfs/relation.h"

using namespace nanoforge::rootfs;

TEST_CASE("stanzas, continuation lines and case-insensitive names", "[control]") {
  auto stanzas = parse_control(
      "Package: bash\nVersion: 5.2.15-2+b2\nDescription: GNU Bourne Again SHell\n"
      " Bash is an sh-compatible command language interpreter.\n .\n Second paragraph.\n"
      "\n\n# a comment line\nPackage: dash\r\nPriority: required\n",
      "Packages");
  REQUIRE(stanzas.size() == 2);
  CHECK(stanzas[0].get("package") == std::optional<std::string>("bash"));
  CHECK(*stanzas[0].get("Description") ==
        "GNU Bourne Again SHell\nBash is an sh-compatible command language interpreter.\n\n"
        "Second paragraph.");
  CHECK(stanzas[1].get_or("Priority", "") == "required");
  CHECK_FALSE(stanzas[1].get("Version"));
  // Written back, a stanza keeps its order and the " ." blank-line marker.
  CHECK(stanzas[0].to_string() ==
        "Package: bash\nVersion: 5.2.15-2+b2\nDescription: GNU Bourne Again SHell\n"
        " Bash is an sh-compatible command language interpreter.\n .\n Second paragraph.\n");
}

TEST_CASE("set replaces in place and remove drops a field", "[control]") {
  ControlStanza stanza = parse_control("Package: a\nStatus: x\nVersion: 1\n", "s").front();
  stanza.set("status", "install ok installed");
  stanza.remove("VERSION");
  CHECK(stanza.to_string() == "Package: a\nStatus: install ok installed\n");
}

TEST_CASE("malformed control text names the source and line", "[control]") {
  REQUIRE_THROWS_WITH(parse_control("Package: a\nno colon here\n", "Packages.test"),
                      Catch::Contains("Packages.test:2"));
  REQUIRE_THROWS_WITH(parse_control(" leading continuation\n", "status"),
                      Catch::Contains("status:1") && Catch::Contains("continuation"));
}

TEST_CASE("relationship fields: alternatives, versions, qualifiers, restrictions", "[control]") {
  auto groups = parse_relations(
      "libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0, python3:any (>=3.11~), libx:native,"
      " foo [amd64] <!nocheck>, bar (<< 2) [!i386], baz (= 1:2.0-1)",
      "Depends");
  REQUIRE(groups.size() == 7);
  CHECK(groups[0][0].name == "libc6");
  CHECK(groups[0][0].relation == VersionRelation::LaterOrEqual);
  CHECK(groups[0][0].version == "2.34");
  REQUIRE(groups[1].size() == 2);
  CHECK(groups[1][1].name == "debconf-2.0");
  CHECK(groups[1][1].relation == VersionRelation::Any);
  CHECK(groups[2][0].name == "python3");
  CHECK(groups[2][0].architecture == "any");
  CHECK(groups[2][0].version == "3.11~");
  CHECK(groups[3][0].architecture == "native");
  CHECK(groups[4][0].name == "foo");
  CHECK(groups[4][0].relation == VersionRelation::Any);
  CHECK(groups[5][0].relation == VersionRelation::Earlier);
  CHECK(groups[5][0].version == "2");
  CHECK(groups[6][0].str() == "baz (= 1:2.0-1)");
  CHECK(parse_relations("", "Depends").empty());
  REQUIRE_THROWS_WITH(parse_relations("libc6 (>= 2.34", "Depends of x"),
                      Catch::Contains("Depends of x") && Catch::Contains("')'"));
  REQUIRE_THROWS_WITH(parse_relations("libc6 (=> 2)", "Depends of y"),
                      Catch::Contains("Depends of y") && Catch::Contains("'=>'"));
}
