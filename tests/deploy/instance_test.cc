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

TEST_CASE("instance names follow the DNS label rule", "[instance]") {
  for (std::string good : {std::string("alice"), std::string("bob-2"), std::string("a"), std::string("0x"),
                           std::string(63, 'a')})
    CHECK_NOTHROW(validate_instance_name(good));
  for (std::string bad : {std::string("../x"), std::string("Alice"), std::string("a_b"), std::string(""),
                          std::string("-a"), std::string("a-"), std::string(64, 'a'), std::string("a b")})
    CHECK_THROWS_AS(validate_instance_name(bad), Error);
  CHECK_THROWS_WITH(validate_instance_name("Alice"), Catch::Contains("'Alice'") && Catch::Contains("lower-case"));
}

TEST_CASE("ports must be 1024-65535", "[instance]") {
  CHECK_NOTHROW(validate_port(1024));
  CHECK_NOTHROW(validate_port(65535));
  for (int bad : {0, 80, 1023, 65536, 70000, -1}) CHECK_THROWS_AS(validate_port(bad), Error);
  CHECK_THROWS_WITH(validate_port(70000), Catch::Contains("70000") && Catch::Contains("1024 to 65535"));
}

TEST_CASE("souls, models and providers", "[instance]") {
  CHECK_THROWS_WITH(validate_soul("grumpy"), Catch::Contains("unknown soul 'grumpy'"));
  CHECK_NOTHROW(validate_model("anthropic/claude-3-5-sonnet"));
  CHECK_THROWS_AS(validate_model("gpt 4"), Error);
  CHECK_THROWS_AS(validate_model(""), Error);
  CHECK(provider_for_model("gpt-4o-mini") == "openai");
  CHECK(provider_for_model("claude-3-5-sonnet") == "anthropic");
  CHECK(provider_for_model("anthropic/claude-3-5-sonnet") == "openrouter");
  CHECK(default_api_key_env("openrouter") == "OPENROUTER_API_KEY");
}

TEST_CASE("built-in souls are the text of docker/souls", "[instance]") {
  for (const char* soul : {"assistant", "expert", "creative"})
    CHECK(builtin_soul(soul) == read_text(source_dir() / "docker" / "souls" / (std::string(soul) + ".md")));
  CHECK_THAT(custom_soul_stub("zed"), Catch::Contains("'zed'"));
}

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

TEST_CASE("a hand-broken config.json is reported with file and line", "[instance]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice");
  fs::path config = deployment.instance_dir("alice") / "config/config.json";
  write_text(config, "{\n  \"agents\": {\n    \"defaults\": { \"model\": \"x\", }\n  }\n}\n");
  auto compose_before = read_text(deployment.compose_file());
  CHECK_THROWS_WITH(deployment.load_instance("alice"), Catch::Contains(config.string() + ":3:"));
  CHECK_THROWS_WITH(write_compose(deployment), Catch::Contains("config.json:3:") && Catch::Contains("not valid JSON"));
  CHECK(read_text(deployment.compose_file()) == compose_before);
}

TEST_CASE("instance.json round-trips through the model", "[instance]") {
  Instance instance;
  instance.name = "zed";
  instance.port = 20000;
  instance.model = "deepseek-chat";
  instance.provider = "deepseek";
  instance.api_key_env = "DEEPSEEK_API_KEY";
  instance.webui_port = 20001;
  instance.limits.memory = "2G";
  instance.logging.max_files = 5;
  Instance back = instance_from_json(to_json(instance), "test");
  CHECK(to_json(back) == to_json(instance));
  CHECK(back.host_ports() == std::vector<int>{20000, 20001});
  auto broken = to_json(instance);
  broken["port"] = "many";
  CHECK_THROWS_WITH(instance_from_json(broken, "x/instance.json"), Catch::Contains("x/instance.json") && Catch::Contains("'port'"));
}
