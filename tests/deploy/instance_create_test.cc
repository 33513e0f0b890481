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
#include "deploy/instance_config.h"
#include "deploy/instance_check.h"
#include "deploy/instance_create.h"
#include "deploy/venv_webui.h"
#include "deploy/instance_souls.h"
#include "deploy/nanobot_config_check.h"
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

TEST_CASE("create writes the model as a preset, fallbacks and providers as upstream defines them", "[instance][nanobot-config]") {
  TempDir dir;
  Deployment deployment(dir.path());
  CreateRequest request;
  request.name = "carla";
  request.port = 18801;
  request.model = "deepseek-chat";
  request.context_window = 64000;
  // vLLM runs on the host and upstream knows no default address for it.
  request.fallbacks = {"gpt-4o-mini", "qwen3@vllm"};
  CHECK_THROWS_WITH(create_instance(deployment, request, no_port_in_use),
                    Catch::Contains("--fallback qwen3@vllm") && Catch::Contains("runs on your machine"));
  CHECK_FALSE(fs::exists(deployment.instance_dir("carla")));
  request.fallbacks = {"gpt-4o-mini", "claude-3-5-haiku@anthropic", "llama3.2@ollama"};
  create_instance(deployment, request, no_port_in_use);

  auto config = nlohmann::json::parse(read_text(deployment.instance_dir("carla") / "config/config.json"));
  CHECK(config["agents"]["defaults"]["modelPreset"] == "main");
  CHECK(config["modelPresets"]["main"]["model"] == "deepseek-chat");
  CHECK(config["modelPresets"]["main"]["provider"] == "deepseek");
  CHECK(config["modelPresets"]["main"]["contextWindowTokens"] == 64000);
  CHECK(config["agents"]["defaults"]["fallbackModels"] == nlohmann::json::array({"fallback-1", "fallback-2", "fallback-3"}));
  // Ollama on the host, by the name the engine gives it inside the container; no key.
  CHECK(config["providers"]["ollama"] == nlohmann::json({{"apiBase", "http://${HOST_GATEWAY}:11434/v1"}}));
  CHECK(config["modelPresets"]["fallback-1"] == nlohmann::json({{"model", "gpt-4o-mini"}, {"provider", "openai"}}));
  CHECK(config["modelPresets"]["fallback-2"]["provider"] == "anthropic");
  CHECK(config["providers"]["openai"]["apiKey"] == "${OPENAI_API_KEY}");
  std::string secrets = read_text(deployment.instance_dir("carla") / ".env");
  for (const char* variable : {"DEEPSEEK_API_KEY=", "OPENAI_API_KEY=\n", "ANTHROPIC_API_KEY=\n"})
    CHECK_THAT(secrets, Catch::Contains(variable));
  // What create writes, upstream loads: no error, the presets resolve.
  std::map<std::string, std::string> environment{
      {"DEEPSEEK_API_KEY", "k"}, {"OPENAI_API_KEY", ""}, {"ANTHROPIC_API_KEY", ""}, {"HOST_GATEWAY", "host.docker.internal"}};
  ConfigCheck check = check_nanobot_config(read_text(deployment.instance_dir("carla") / "config/config.json"), environment);
  INFO(describe_issues(check, "config.json"));
  CHECK(check.ok());
  CHECK(deployment.load_instance("carla").preset == "main");

  // A provider of one's own needs its endpoint; a local one is written with no key; a name
  // that normalises to a built-in is the built-in (upstream refuses it as a custom key).
  CreateRequest custom;
  custom.name = "dan";
  custom.port = 18802;
  custom.model = "my-model";
  custom.provider = "company-proxy";
  CHECK_THROWS_WITH(create_instance(deployment, custom, no_port_in_use),
                    Catch::Contains("'company-proxy' is not one of upstream Nanobot's providers") &&
                        Catch::Contains("--api-base"));
  custom.api_base = "https://llm.example.internal/v1";
  create_instance(deployment, custom, no_port_in_use);
  config = nlohmann::json::parse(read_text(deployment.instance_dir("dan") / "config/config.json"));
  CHECK(config["providers"]["company-proxy"]["apiBase"] == "https://llm.example.internal/v1");
  CHECK(check_nanobot_config(config.dump(), {{"COMPANY_PROXY_API_KEY", "k"}}).ok());

  CreateRequest local;
  local.name = "eve";
  local.port = 18803;
  local.model = "llama3.2";
  local.provider = "LM-Studio";
  local.api_base = "http://192.0.2.10:1234/v1";
  create_instance(deployment, local, no_port_in_use);
  config = nlohmann::json::parse(read_text(deployment.instance_dir("eve") / "config/config.json"));
  CHECK(config["providers"]["lmStudio"] == nlohmann::json({{"apiBase", "http://192.0.2.10:1234/v1"}}));
  CHECK(config["modelPresets"]["main"]["provider"] == "lm_studio");
  CHECK(check_nanobot_config(config.dump(), {}).ok());
  // ... and its secrets file asks for no key that config.json does not use.
  std::string local_secrets = read_text(deployment.instance_dir("eve") / ".env");
  CHECK_THAT(local_secrets, Catch::Contains("'lm_studio' needs no API key"));
  CHECK_THAT(local_secrets, !Catch::Contains("LM_STUDIO_API_KEY="));
  CreateRequest local_with_fallback = local;
  local_with_fallback.name = "eve-2";
  local_with_fallback.port = 18805;
  local_with_fallback.fallbacks = {"gpt-4o-mini", "llama3.2@ollama", "o3@openai"};
  Instance planned = plan_instance(deployment, deployment.load_instances(), local_with_fallback, no_port_in_use);
  CHECK(key_variables(planned) == std::vector<std::string>{"OPENAI_API_KEY"});

  CreateRequest transcriber;
  transcriber.name = "fay";
  transcriber.port = 18804;
  transcriber.provider = "assemblyai";
  CHECK_THROWS_WITH(create_instance(deployment, transcriber, no_port_in_use), Catch::Contains("only transcribes audio"));
}

TEST_CASE("a WebUI port gives the instance a listening WebSocket channel and its own login secret", "[instance][webui]") {
  TempDir dir;
  Deployment deployment(dir.path());
  CreateRequest request;
  request.name = "wendy";
  request.port = 18810;
  request.webui_port = 18811;
  create_instance(deployment, request, no_port_in_use);
  request.name = "walt";
  request.port = 18812;
  request.webui_port = 18813;
  create_instance(deployment, request, no_port_in_use);

  auto config = nlohmann::json::parse(read_text(deployment.instance_dir("wendy") / "config/config.json"));
  CHECK(config["channels"]["websocket"] == nlohmann::json({{"enabled", true},
                                                           {"host", "0.0.0.0"},
                                                           {"port", 8765},
                                                           {"tokenIssueSecret", "${NANOBOT_WEB_TOKEN}"},
                                                           {"websocketRequiresToken", true}}));
  CHECK(config["tools"]["restrictToWorkspace"] == true);
  auto secrets = parse_secrets(read_text(deployment.instance_dir("wendy") / ".env"), ".env");
  std::map<std::string, std::string> environment{{"HOME", "/data"}};
  for (const auto& variable : secrets.variables) environment[variable.name] = variable.value;
  REQUIRE(environment.count("NANOBOT_WEB_TOKEN"));
  const std::string token = environment["NANOBOT_WEB_TOKEN"];
  CHECK(token.size() == 43);  // 32 random bytes, base64url
  CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
  // Each instance its own secret.
  CHECK_THAT(read_text(deployment.instance_dir("walt") / ".env"), !Catch::Contains(token));
  // Upstream starts the channel on 0.0.0.0 with the secret set, and refuses it without.
  ConfigCheck check = check_nanobot_config(config.dump(), environment);
  INFO(describe_issues(check, "config.json"));
  CHECK(check.starts());
  environment["NANOBOT_WEB_TOKEN"] = "";
  CHECK_FALSE(check_nanobot_config(config.dump(), environment).starts());
  // And nothing of it for an instance without a WebUI port.
  request.name = "nowebui";
  request.port = 18814;
  request.webui_port.reset();
  create_instance(deployment, request, no_port_in_use);
  config = nlohmann::json::parse(read_text(deployment.instance_dir("nowebui") / "config/config.json"));
  CHECK_FALSE(config.contains("channels"));
  CHECK_THAT(read_text(deployment.instance_dir("nowebui") / ".env"), !Catch::Contains("NANOBOT_WEB_TOKEN"));
}

TEST_CASE("a published WebUI needs the bundle in the shared venv: create and the start gate refuse without it", "[instance][webui]") {
  TempDir dir;
  Deployment deployment(dir.path());
  CreateRequest request;
  request.name = "wendy";
  request.port = 18820;
  request.webui_port = 18821;
  // No venv yet, or one built before the record existed: nothing is known, nothing refused.
  create_instance(deployment, request, no_port_in_use);
  write_text(deployment.venv_dir() / "VERSION.txt", "Python: 3.12.1\nWebUI-Bundle: example_gateway/web/dist/index.html\n");
  CHECK(venv_webui(deployment).state == VenvWebui::State::present);
  CHECK(check_instance_configs(deployment, {"wendy"})[0].check.starts());

  write_text(deployment.venv_dir() / "VERSION.txt", "Python: 3.12.1\nWebUI-Bundle: none\n");
  CHECK(venv_webui(deployment).state == VenvWebui::State::absent);
  auto checked = check_instance_configs(deployment, {"wendy"});
  CHECK_FALSE(checked[0].check.starts());
  CHECK_THAT(checked[0].text(), Catch::Contains("error: channels.websocket: the shared venv") &&
                                    Catch::Contains("venv.webui: build"));
  CHECK_THROWS_WITH(gate_instance_configs(deployment, {}, false, "nothing was started"),
                    Catch::Contains("has no WebUI bundle") && Catch::Contains("nothing was started"));
  request.name = "walt";
  request.port = 18822;
  request.webui_port = 18823;
  CHECK_THROWS_WITH(create_instance(deployment, request, no_port_in_use),
                    Catch::Contains("--webui-port") && Catch::Contains("nothing was created"));
  CHECK_FALSE(fs::exists(deployment.instance_dir("walt")));
  // Without a WebUI port the bundle does not matter.
  request.webui_port.reset();
  create_instance(deployment, request, no_port_in_use);
  CHECK(check_instance_configs(deployment, {"walt"})[0].check.starts());
}

TEST_CASE("create takes any spelling of a provider, suggests one for a typo, and refuses what cannot work", "[instance][nanobot-config]") {
  TempDir dir;
  Deployment deployment(dir.path());
  auto plan = [&](const std::string& model, const std::string& provider, const std::string& api_base = "",
                  std::vector<std::string> fallbacks = {}) {
    CreateRequest request;
    request.name = "pat";
    request.port = 18830;
    request.model = model;
    request.provider = provider;
    request.api_base = api_base;
    request.fallbacks = std::move(fallbacks);
    return plan_instance(deployment, {}, request, no_port_in_use);
  };
  CHECK(plan("gpt-4o", "OpenAI").provider == "openai");
  CHECK(plan("x", "LM_STUDIO").provider == "lm_studio");
  CHECK_THROWS_WITH(plan("x", "antropic"), Catch::Contains("did you mean 'anthropic'?"));
  CHECK(plan("x", "antropic", "https://llm.example.internal/v1").provider == "antropic");  // one's own, as asked
  CHECK_THROWS_WITH(plan("x", "custom"), Catch::Contains("'custom' is an OpenAI-compatible endpoint of your own"));
  CHECK(plan("x", "custom", "http://${HOST_GATEWAY}:8000/v1").setup.api_base == "http://${HOST_GATEWAY}:8000/v1");
  for (const char* bad : {"http://:8000/v1", "ftp://host/v1", "localhost:11434", "http://host/v1 extra"})
    CHECK_THROWS_WITH(plan("x", "vllm", bad), Catch::Contains("--api-base '" + std::string(bad) + "'"));
  CHECK(plan("gpt-5", "github-copilot").setup.needs_login);
  CHECK_FALSE(plan("gpt-5", "github-copilot").setup.needs_key);
  CHECK_THROWS_WITH(plan("gpt-4o", "", "", {"gpt-4o-mini@"}), Catch::Contains("--fallback gpt-4o-mini@: no provider after '@'"));
  CHECK_THROWS_WITH(plan("gpt-4o", "", "", {"@openai"}), Catch::Contains("--fallback @openai: model name is empty"));
  CHECK_THROWS_WITH(plan("gpt-4o", "", "", {"gpt-4o"}), Catch::Contains("the same model and provider as the main one"));
  CHECK(plan("gpt-4o", "", "", {"gpt-4o@openrouter"}).setup.fallbacks.size() == 1);  // another route to it is fine
}
