// instance create: the files it writes, ports it picks, input it refuses, and nothing left
// behind when it fails.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "deploy/compose.h"
#include "deploy/instance.h"
#include "deploy/instance_create.h"
#include "deploy/instance_souls.h"
#include "instance_test_support.h"
#include "base/error.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

TEST_CASE("create writes a complete instance in Nanobot's schema", "[instance]") {
  TempDir dir;
  Deployment deployment(dir.path());
  Instance alice = make_instance(deployment, "alice", 18800, "expert", "claude-3-5-sonnet");
  fs::path home = deployment.instance_dir("alice");
  for (const char* sub : {"config/sessions", "workspace/memory", "workspace/skills"}) CHECK(fs::is_directory(home / sub));
  CHECK(read_text(home / "workspace/SOUL.md") == builtin_soul("expert"));
  CHECK(fs::exists(home / "workspace/AGENTS.md"));
  CHECK_THAT(read_text(home / "INSTANCE_INFO.txt"), Catch::Contains("18800"));

  auto config = nlohmann::json::parse(read_text(home / "config/config.json"));
  CHECK(config["agents"]["defaults"]["workspace"] == "/data/workspace");
  CHECK(config["agents"]["defaults"]["model"] == "claude-3-5-sonnet");
  CHECK(config["agents"]["defaults"]["maxTokens"] == 4096);
  CHECK(config["agents"]["defaults"]["temperature"] == 0.7);
  CHECK(config["gateway"]["host"] == "0.0.0.0");
  CHECK(config["gateway"]["port"] == 18790);  // inside the container; 18800 is the host side
  CHECK(config["providers"]["anthropic"]["apiKey"] == "${ANTHROPIC_API_KEY}");
  CHECK_FALSE(config.contains("api_key"));

  // The secret lives only in .env, readable by the container's group when root made it.
  struct stat info {};
  REQUIRE(::stat((home / ".env").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == (::geteuid() == 0 ? 0640 : 0600));
  if (::geteuid() == 0) CHECK(info.st_gid == 1000);
  CHECK_THAT(read_text(home / ".env"), Catch::Contains("ANTHROPIC_API_KEY=sk-test-alice"));
  CHECK(read_text(home / "config/config.json").find("sk-test") == std::string::npos);
  CHECK(read_text(deployment.compose_file()).find("sk-test") == std::string::npos);

  if (::geteuid() == 0) {
    REQUIRE(::stat((home / "workspace/SOUL.md").c_str(), &info) == 0);
    CHECK(info.st_uid == 1000);
    CHECK(info.st_gid == 1000);
    REQUIRE(::stat((home / "config").c_str(), &info) == 0);
    CHECK(info.st_uid == 1000);
  }
  Instance loaded = deployment.load_instance("alice");
  CHECK(to_json(loaded) == to_json(alice));
  CHECK(loaded.soul == "expert");
  // Nothing staged is left behind.
  for (const auto& entry : fs::directory_iterator(deployment.instances_dir()))
    CHECK(entry.path().filename().string().front() != '.');
}

TEST_CASE("ports: next free from 18790, skipping instances and the host's", "[instance]") {
  TempDir dir;
  Deployment deployment(dir.path());
  CHECK(make_instance(deployment, "a").port == 18790);
  CHECK(make_instance(deployment, "b").port == 18791);
  CreateRequest request;
  request.name = "c";
  auto busy_18792 = [](int port) { return port == 18792; };
  CHECK(create_instance(deployment, request, busy_18792).port == 18793);
}

TEST_CASE("bad create input: clear errors, nothing changed", "[instance]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790);
  auto before = snapshot(dir.path());

  auto attempt = [&](CreateRequest request, const std::string& message, const PortInUse& in_use = no_port_in_use) {
    CHECK_THROWS_WITH(create_instance(deployment, request, in_use), Catch::Contains(message));
    CHECK(snapshot(dir.path()) == before);
  };
  CreateRequest request;
  request.name = "bob";
  request.port = 18790;
  attempt(request, "already used by instance 'alice'");
  request.port = 80;
  attempt(request, "1024 to 65535");
  request.port = 0;
  attempt(request, "invalid port 0");
  request.port = 70000;
  attempt(request, "70000");
  request.port = 18795;
  attempt(request, "in use on this host", [](int port) { return port == 18795; });
  request.port.reset();
  request.soul = "grumpy";
  attempt(request, "unknown soul");
  request.soul = "assistant";
  request.name = "alice";
  attempt(request, "already exists");
  request.name = "../x";
  attempt(request, "invalid instance name");
}

TEST_CASE("a port something listens on is found in use", "[instance]") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  int port = ntohs(address.sin_port);
  CHECK(port_in_use_on_host(port));
  ::close(fd);
  CHECK_FALSE(port_in_use_on_host(port));
}

TEST_CASE("a failed create leaves nothing behind", "[instance]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice");
  // A broken override elsewhere makes the compose file impossible to write.
  write_text(deployment.instance_dir("alice") / "docker-compose.override.yml", "environment: [unclosed\n");
  auto before = snapshot(dir.path());
  CHECK_THROWS_WITH(make_instance(deployment, "carol"),
                    Catch::Contains("docker-compose.override.yml:") && Catch::Contains("not valid YAML"));
  CHECK(snapshot(dir.path()) == before);
  CHECK_FALSE(fs::exists(deployment.instance_dir("carol")));
}
