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
  // Upstream's registry decides (providers/registry.py): a prefix that names a provider, else
  // the keywords in registry order, else a gateway.
  CHECK(provider_for_model("anthropic/claude-3-5-sonnet") == "anthropic");
  CHECK(provider_for_model("meta-llama/llama-3.1-70b") == "openrouter");
  CHECK(provider_for_model("deepseek-chat") == "deepseek");
  CHECK(provider_for_model("qwen-max") == "dashscope");
  CHECK(provider_for_model("glm-4") == "zhipu");
  CHECK(provider_for_model("kimi-k2") == "moonshot");
  CHECK(default_api_key_env("openrouter") == "OPENROUTER_API_KEY");
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

TEST_CASE("a URL to this host's loopback is written with the host as the container reaches it", "[instance]") {
  CHECK(via_host_gateway("http://localhost:11434/v1") == "http://${HOST_GATEWAY}:11434/v1");
  CHECK(via_host_gateway("HTTP://LocalHost/v1") == "HTTP://${HOST_GATEWAY}/v1");
  CHECK(via_host_gateway("ws://127.0.0.1:3001") == "ws://${HOST_GATEWAY}:3001");
  CHECK(via_host_gateway("http://[::1]:8000") == "http://${HOST_GATEWAY}:8000");
  CHECK(via_host_gateway("http://127.0.0.1") == "http://${HOST_GATEWAY}");
  for (const char* other : {"http://localhost.example.com/v1", "http://192.0.2.1:11434/v1", "http://host/localhost",
                            "localhost:11434", "http://${HOST_GATEWAY}:11434/v1"})
    CHECK_FALSE(via_host_gateway(other));
}
