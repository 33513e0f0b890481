#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "oci/registry/credentials.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::oci;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {
// Points the credential search at a temporary home for the test's duration.
struct CredentialEnvironment {
  TempDir home{"nanoforge-creds"};
  CredentialEnvironment() {
    ::setenv("HOME", home.path().c_str(), 1);
    ::unsetenv("DOCKER_CONFIG");
    ::unsetenv("REGISTRY_AUTH_FILE");
    ::unsetenv("XDG_RUNTIME_DIR");
  }
};
}  // namespace

TEST_CASE("credentials come from the Docker config's auths, base64 encoded", "[registry]") {
  CredentialEnvironment environment;
  CHECK_FALSE(find_credentials("registry.example"));
  // base64("alice:pa:ss") — a password may contain ':'.
  write_text(environment.home / ".docker/config.json",
             R"({"auths":{"https://registry.example":{"auth":"YWxpY2U6cGE6c3M="},)"
             R"("https://index.docker.io/v1/":{"auth":"Ym9iOmh1Yg=="}}})");
  auto found = find_credentials("registry.example");
  REQUIRE(found);
  CHECK(found->username == "alice");
  CHECK(found->password == "pa:ss");
  CHECK(found->source == (environment.home / ".docker/config.json").string());
  auto hub = find_credentials("docker.io");
  REQUIRE(hub);
  CHECK(hub->username == "bob");
  CHECK_FALSE(find_credentials("other.example"));

  SECTION("$DOCKER_CONFIG names another directory") {
    write_text(environment.home / "elsewhere/config.json", R"({"auths":{"other.example":{"auth":"Y2Fyb2w6eA=="}}})");
    ::setenv("DOCKER_CONFIG", (environment.home / "elsewhere").c_str(), 1);
    REQUIRE(find_credentials("other.example"));
    CHECK(find_credentials("other.example")->username == "carol");
    CHECK_FALSE(find_credentials("registry.example"));
  }
  SECTION("$REGISTRY_AUTH_FILE comes first") {
    write_text(environment.home / "auth.json", R"({"auths":{"registry.example":{"auth":"ZGF2ZTp5"}}})");
    ::setenv("REGISTRY_AUTH_FILE", (environment.home / "auth.json").c_str(), 1);
    CHECK(find_credentials("registry.example")->username == "dave");
    CHECK(find_credentials("docker.io")->username == "bob");  // falls through to the Docker config
  }
  SECTION("a malformed file is named in the error, without its content") {
    write_text(environment.home / ".docker/config.json", R"({"auths":{"registry.example":{"auth":"bm9jb2xvbg=="}}})");
    try {
      find_credentials("registry.example");
      FAIL("accepted an auth without ':'");
    } catch (const nanoforge::Error& error) {
      std::string message = error.what();
      CHECK(message.find("config.json") != std::string::npos);
      CHECK(message.find("bm9jb2xvbg") == std::string::npos);
    }
  }
}

TEST_CASE("credential helpers speak the docker-credential protocol", "[registry]") {
  CredentialEnvironment environment;
  write_text(environment.home / "bin/docker-credential-fake",
             "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread server\n"
             "case \"$server\" in registry.example) echo '{\"Username\":\"erin\",\"Secret\":\"pw\"}';;\n"
             "token.example) echo '{\"Username\":\"<token>\",\"Secret\":\"refresh\"}';;\n"
             "*) echo 'credentials not found in native keychain'; exit 1;; esac\n");
  fs::permissions(environment.home / "bin/docker-credential-fake", fs::perms(0755));
  std::string path = std::getenv("PATH");
  ::setenv("PATH", ((environment.home / "bin").string() + ":" + path).c_str(), 1);
  write_text(environment.home / ".docker/config.json", R"({"credsStore":"fake"})");
  auto found = find_credentials("registry.example");
  REQUIRE(found);
  CHECK(found->username == "erin");
  CHECK(found->password == "pw");
  CHECK(found->source == "docker-credential-fake");
  auto token = find_credentials("token.example");
  REQUIRE(token);
  CHECK(token->identity_token == "refresh");
  CHECK_FALSE(find_credentials("unknown.example"));
  write_text(environment.home / ".docker/config.json", R"({"credHelpers":{"registry.example":"missing"}})");
  CHECK_THROWS_WITH(find_credentials("registry.example"), Catch::Contains("docker-credential-missing is not installed"));
  ::setenv("PATH", path.c_str(), 1);
}

TEST_CASE("login stores credentials without losing other settings, owner-readable only", "[registry]") {
  CredentialEnvironment environment;
  auto file = environment.home / ".docker/config.json";
  write_text(file, R"({"auths":{"old.example":{"auth":"b2xkOng="}},"psFormat":"table"})");
  CHECK(login_file() == file);
  store_credentials(file, "registry.example:5000", "frank", "p@ss word");
  auto config = nlohmann::json::parse(read_text(file));
  CHECK(config["psFormat"] == "table");
  CHECK(config["auths"].contains("old.example"));
  CHECK(config["auths"]["registry.example:5000"]["auth"] == "ZnJhbms6cEBzcyB3b3Jk");
  CHECK((fs::status(file).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  auto found = find_credentials("registry.example:5000");
  REQUIRE(found);
  CHECK(found->password == "p@ss word");
  store_credentials(file, "docker.io", "gina", "x");
  CHECK(nlohmann::json::parse(read_text(file))["auths"].contains("https://index.docker.io/v1/"));
  ::setenv("REGISTRY_AUTH_FILE", (environment.home / "auth.json").c_str(), 1);
  CHECK(login_file() == environment.home / "auth.json");
}

TEST_CASE("login with a credsStore or credHelpers entry hands the secret to the helper", "[registry]") {
  CredentialEnvironment environment;
  // A helper keeping what `store` gets in a file, and giving it back on `get`.
  auto kept = environment.home / "keychain.json";
  write_text(environment.home / "bin/docker-credential-keep",
             "#!/bin/sh\ncase \"$1\" in\n store) cat >\"" + kept.string() + "\";;\n"
             " get) read server; grep -q \"$server\" \"" + kept.string() + "\" 2>/dev/null && "
             "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
             "print(json.dumps({\"Username\": d[\"Username\"], \"Secret\": d[\"Secret\"]}))' \"" + kept.string() +
             "\" || { echo 'credentials not found in native keychain'; exit 1; };;\n *) exit 2;;\nesac\n");
  fs::permissions(environment.home / "bin/docker-credential-keep", fs::perms(0755));
  std::string path = std::getenv("PATH");
  ::setenv("PATH", ((environment.home / "bin").string() + ":" + path).c_str(), 1);
  auto file = environment.home / ".docker/config.json";
  write_text(file, R"({"credsStore":"keep"})");
  store_credentials(file, "registry.example:5000", "hana", "s3cret");
  auto config = nlohmann::json::parse(read_text(file));
  CHECK(config["credsStore"] == "keep");
  CHECK(config["auths"]["registry.example:5000"] == nlohmann::json::object());  // no secret in the file
  CHECK(read_text(file).find("s3cret") == std::string::npos);
  auto stored = nlohmann::json::parse(read_text(kept));
  CHECK(stored["ServerURL"] == "registry.example:5000");
  CHECK(stored["Username"] == "hana");
  CHECK(stored["Secret"] == "s3cret");
  auto found = find_credentials("registry.example:5000");
  REQUIRE(found);
  CHECK(found->password == "s3cret");
  // credHelpers names a helper for one host only: another host's secret stays in the file.
  write_text(file, R"({"credHelpers":{"other.example":"missing"}})");
  store_credentials(file, "registry.example:5000", "hana", "s3cret");
  CHECK(nlohmann::json::parse(read_text(file))["auths"]["registry.example:5000"].contains("auth"));
  CHECK_THROWS_WITH(store_credentials(file, "other.example", "hana", "x"),
                    Catch::Contains("docker-credential-missing is not installed"));
  ::setenv("PATH", path.c_str(), 1);
}
