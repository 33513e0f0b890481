#include <catch2/catch.hpp>

#include "base/error.h"
#include "base/remote_reference.h"

using namespace nanoforge;
using nanoforge::Error;

TEST_CASE("registry references split into registry, repository, tag and digest", "[registry]") {
  auto local = RemoteReference::parse("127.0.0.1:5000/team/nanobot:1.0");
  CHECK(local.registry == "127.0.0.1:5000");
  CHECK(local.repository == "team/nanobot");
  CHECK(local.tag == "1.0");
  CHECK_FALSE(local.digest);
  CHECK(local.api_host() == "127.0.0.1:5000");
  CHECK(local.str() == "127.0.0.1:5000/team/nanobot:1.0");

  auto hub = RemoteReference::parse("debian");
  CHECK(hub.registry == "docker.io");
  CHECK(hub.repository == "library/debian");
  CHECK(hub.tag == "latest");
  CHECK(hub.api_host() == "registry-1.docker.io");
  CHECK(RemoteReference::parse("index.docker.io/user/app:2").registry == "docker.io");
  CHECK(RemoteReference::parse("user/app").repository == "user/app");
  CHECK(RemoteReference::parse("localhost/app").registry == "localhost");
  CHECK(RemoteReference::parse("ghcr.io/org/a/b:x").repository == "org/a/b");

  std::string hex(64, 'a');
  auto pinned = RemoteReference::parse("registry.example:443/app@sha256:" + hex);
  CHECK(pinned.tag.empty());
  REQUIRE(pinned.digest);
  CHECK(pinned.manifest_reference() == "sha256:" + hex);
  auto both = RemoteReference::parse("registry.example/app:1@sha256:" + hex);
  CHECK(both.tag == "1");
  CHECK(both.manifest_reference() == "sha256:" + hex);  // the digest wins
  CHECK(both.with_tag("2").str() == "registry.example/app:2");
}

TEST_CASE("invalid registry references are refused with the reason", "[registry]") {
  auto message = [](const std::string& text) {
    try {
      RemoteReference::parse(text);
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  CHECK(message("").find("empty") != std::string::npos);
  CHECK(message("host:5000/app:bad!tag").find("tag 'bad!tag' is not valid") != std::string::npos);
  CHECK(message("host:5000/App").find("repository 'App' is not valid") != std::string::npos);
  CHECK(message("host:5000/app@sha256:xyz").find("invalid digest") != std::string::npos);
  CHECK(message("docker://host/app").find("docker://") != std::string::npos);
  CHECK(message("host:5000/a//b").find("not valid") != std::string::npos);
  CHECK(message("host:5000/app:" + std::string(129, 'x')).find("not valid") != std::string::npos);
  CHECK(is_valid_tag("v1.0-rc_1"));
  CHECK_FALSE(is_valid_tag(".hidden"));
  CHECK(is_valid_repository("a/b-c/d__e/f.g"));
  CHECK_FALSE(is_valid_repository("a/-b"));
}
