#include <catch2/catch.hpp>

#include "oci/registry/auth.h"
#include "oci/registry/transport.h"

using namespace nanoforge;
using namespace nanoforge::oci;

TEST_CASE("WWW-Authenticate challenges are parsed", "[registry]") {
  auto bearer = AuthChallenge::parse(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push",error="insufficient_scope")");
  REQUIRE(bearer);
  CHECK(bearer->scheme == "bearer");
  CHECK(bearer->params["realm"] == "https://auth.example/token");
  CHECK(bearer->params["service"] == "registry.example");
  CHECK(bearer->params["scope"] == "repository:a/b:pull,push");  // the comma inside quotes stays
  CHECK(bearer->params["error"] == "insufficient_scope");

  auto basic = AuthChallenge::parse(R"(Basic realm="nanoforge \"test\"")");
  REQUIRE(basic);
  CHECK(basic->scheme == "basic");
  CHECK(basic->params["realm"] == "nanoforge \"test\"");
  CHECK_FALSE(AuthChallenge::parse(""));
  CHECK(repository_scope("team/app", true) == "repository:team/app:pull,push");
  CHECK(repository_scope("team/app", false) == "repository:team/app:pull");
}

TEST_CASE("insecure registries are named hosts only", "[registry]") {
  TransportOptions options;
  options.insecure_registries = {"127.0.0.1:5000", "build-host"};
  HttpTransport transport(options);
  CHECK(transport.is_insecure("127.0.0.1:5000"));
  CHECK_FALSE(transport.is_insecure("127.0.0.1:5001"));
  CHECK(transport.is_insecure("build-host:443"));
  CHECK_FALSE(transport.is_insecure("registry.example"));
  CHECK(transport.base_url("127.0.0.1:5000") == "https://127.0.0.1:5000");
  transport.use_plain_http("127.0.0.1:5000");
  CHECK(transport.base_url("127.0.0.1:5000") == "http://127.0.0.1:5000");
  CHECK_THROWS(transport.use_plain_http("registry.example"));
}
