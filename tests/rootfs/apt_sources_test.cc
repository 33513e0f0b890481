// Reading apt sources in both forms, and choosing mirrors per suite from them.
#include <catch2/catch.hpp>

#include "base/error.h"
#include "rootfs/apt_sources.h"
#include "rootfs/repository_config.h"
#include "test_support.h"

using namespace nanoforge::rootfs;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;

namespace {
const char* kDeb822 =
    "Types: deb\n"
    "# http://SNAPSHOT/archive/debian/20250520T000000Z\n"
    "URIs: http://mirror.example.org/debian/\n"
    "Suites: bookworm bookworm-updates\n"
    "Components: main\n"
    "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    "\n"
    "Types: deb deb-src\n"
    "URIs: http://mirror.example.org/debian-security\n"
    "Suites: bookworm-security\n"
    "Components: main\n"
    "\n"
    "Enabled: no\n"
    "Types: deb\n"
    "URIs: http://disabled.example.org/debian\n"
    "Suites: bookworm\n";
}  // namespace

TEST_CASE("deb822 sources: several stanzas, disabled ones dropped", "[apt-sources]") {
  auto sources = parse_deb822_sources(kDeb822, "debian.sources");
  REQUIRE(sources.size() == 2);
  CHECK(sources[0].uris == std::vector<std::string>{"http://mirror.example.org/debian"});
  CHECK(sources[0].suites == std::vector<std::string>{"bookworm", "bookworm-updates"});
  CHECK(sources[0].signed_by == "/usr/share/keyrings/debian-archive-keyring.gpg");
  CHECK(sources[1].types == std::vector<std::string>{"deb", "deb-src"});
  CHECK(mirror_for_suite(sources, "bookworm-security") == "http://mirror.example.org/debian-security");
  CHECK(mirror_for_suite(sources, "trixie").empty());
  REQUIRE_THROWS_WITH(parse_deb822_sources("Types: deb\nSuites: x\n", "broken.sources"),
                      Catch::Contains("broken.sources") && Catch::Contains("URIs"));
}

TEST_CASE("one-line sources with options and comments", "[apt-sources]") {
  auto sources = parse_one_line_sources(
      "# comment\n\n"
      "deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
      "http://MIRROR/debian bookworm main contrib\n"
      "deb-src http://MIRROR/debian bookworm main\n"
      "deb [ trusted=yes ] http://MIRROR/debian-security/ bookworm-security main # x\n",
      "sources.list");
  REQUIRE(sources.size() == 3);
  CHECK(sources[0].architectures == std::vector<std::string>{"amd64", "arm64"});
  CHECK(sources[0].components == std::vector<std::string>{"main", "contrib"});
  CHECK(sources[1].types == std::vector<std::string>{"deb-src"});
  CHECK(sources[2].uris.front() == "http://MIRROR/debian-security");
  CHECK(sources[2].origin == "sources.list:5");
  // Only binary sources count for mirrors.
  CHECK(mirror_for_suite(sources, "bookworm") == "http://MIRROR/debian");
  REQUIRE_THROWS_WITH(parse_one_line_sources("deb http://x\n", "bad.list"),
                      Catch::Contains("bad.list:1"));
  REQUIRE_THROWS_WITH(parse_one_line_sources("rpm http://x a b\n", "bad.list"),
                      Catch::Contains("'rpm'"));
}

TEST_CASE("a directory like /etc/apt: both forms, other names ignored", "[apt-sources]") {
  TempDir apt;
  std::filesystem::create_directories(apt / "sources.list.d");
  write_text(apt / "sources.list", "deb http://one.example/debian bookworm main\n");
  write_text(apt / "sources.list.d" / "security.sources",
             "Types: deb\nURIs: http://two.example/debian-security\nSuites: bookworm-security\n"
             "Components: main\n");
  write_text(apt / "sources.list.d" / "third-party.list.disabled-by-farm",
             "deb http://three.example/x nodistro main\n");
  auto sources = read_apt_sources(apt.path());
  REQUIRE(sources.size() == 2);
  auto config = default_repository_config({}, apt.path());
  REQUIRE(config.suites.size() == 3);
  CHECK(config.suites[0].suite == "bookworm");
  CHECK(config.suites[0].mirror == "http://one.example/debian");
  // Not listed by name: bookworm-updates takes its base codename's mirror.
  CHECK(config.suites[1].suite == "bookworm-updates");
  CHECK(config.suites[1].mirror == "http://one.example/debian");
  CHECK(config.suites[2].mirror == "http://two.example/debian-security");
}

TEST_CASE("mirror choice refuses 'stable', third-party repositories and unknown suites",
          "[apt-sources]") {
  auto third_party = parse_deb822_sources(
      "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\n"
      "Signed-By: /usr/share/keyrings/nodesource.gpg\n",
      "nodesource.sources");
  REQUIRE_THROWS_WITH(repository_config_from_sources(third_party, {"bookworm"}, "the test sources"),
                      Catch::Contains("'bookworm'") && Catch::Contains("the test sources"));
  REQUIRE_THROWS_WITH(repository_config_from_sources(third_party, {"stable"}, "s"),
                      Catch::Contains("codename"));
}

TEST_CASE("this machine's apt sources name a mirror for every default suite", "[apt-sources]") {
  if (read_apt_sources().empty()) NANOFORGE_SKIP("this machine has no apt sources");
  auto config = default_repository_config();
  REQUIRE(config.suites.size() == 3);
  for (const auto& suite : config.suites) {
    INFO(suite.suite);
    CHECK(suite.mirror.rfind("http", 0) == 0);
  }
}
