#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "deploy/secrets_file.h"
#include "deploy/compose.h"
#include "deploy/instance_check.h"
#include "deploy/compose_service.h"
#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include "instance_test_support.h"
#include "base/error.h"
#include "test_support.h"
#include "yaml_spellings.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

// yaml-cpp reads `<<` as an ordinary key; resolve it as Compose does (explicit keys win).
YAML::Node resolved_service(const YAML::Node& file, const std::string& name) {
  YAML::Node service = file["services"][name];
  YAML::Node result(YAML::NodeType::Map);
  if (service["<<"])
    for (const auto& entry : service["<<"]) result[entry.first.Scalar()] = entry.second;
  for (const auto& entry : service)
    if (entry.first.Scalar() != "<<") result[entry.first.Scalar()] = entry.second;
  return result;
}

// A node's value as text, ignoring styles and tags.
std::string value_text(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  std::string text;
  if (node.IsSequence()) {
    for (const auto& item : node) text += value_text(item) + ",";
    return "[" + text + "]";
  }
  if (node.IsMap()) {
    for (const auto& entry : node) text += entry.first.Scalar() + ":" + value_text(entry.second) + ",";
    return "{" + text + "}";
  }
  return "null";
}

std::vector<std::string> strings(const YAML::Node& list) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(item.as<std::string>());
  return out;
}

bool is_instance_name(const std::string& name) {
  try {
    validate_instance_name(name);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Each name is a service whose hostname and label are the name, as yaml-cpp reads the file.
void check_names_with_yaml_cpp(const std::string& text, const std::vector<std::string>& names) {
  YAML::Node file = YAML::Load(text);
  REQUIRE(file["services"].size() == names.size());
  for (const auto& name : names) {
    INFO("'" << name << "'");
    REQUIRE(file["services"][name].IsMap());
    YAML::Node service = resolved_service(file, name);
    CHECK(service["hostname"].Scalar() == name);
    CHECK(service["labels"]["io.nanoforge.instance"].Scalar() == name);
    CHECK(service["container_name"].Scalar() == "nanobot-" + name);
  }
}

// PyYAML (YAML 1.1, what Compose v1 and podman-compose read with) and ruamel.yaml (YAML 1.2)
// read every name back as that string; with `schema`, the file validates against it as
// docker-compose v1 validates. Empty when they could run, else why not.
std::string python_readers_missing() {
  if (run("/usr/bin/python3 -c 'import yaml, ruamel.yaml, jsonschema' 2>&1").exit_code != 0)
    return "Debian's python3-yaml, python3-ruamel.yaml and python3-jsonschema are not installed";
  return "";
}

void check_names_with_python_readers(const fs::path& compose_file, const std::vector<std::string>& names,
                                     const std::string& schema = "") {
  fs::path expected = compose_file.parent_path() / "expected-names.json";
  write_text(expected, nlohmann::json(names).dump());
  auto checked = run("/usr/bin/python3 " + shell_quote((source_dir() / "tests/tools/yaml_strings_check.py").string()) +
                     " compose " + shell_quote(compose_file.string()) + " " + shell_quote(expected.string()) +
                     (schema.empty() ? "" : " " + shell_quote(schema)));
  INFO(checked.output);
  CHECK(checked.exit_code == 0);
  std::string count = std::to_string(names.size());
  CHECK_THAT(checked.output, Catch::Contains("PyYAML (YAML 1.1): " + count + " strings checked, 0 differ"));
  CHECK_THAT(checked.output, Catch::Contains("ruamel.yaml (YAML 1.2): " + count + " strings checked, 0 differ"));
}

}  // namespace

TEST_CASE("compose: one service per instance under a shared x-nanobot anchor", "[compose]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790, "assistant");
  make_instance(deployment, "bob", 18791, "creative");
  std::string text = read_text(deployment.compose_file());
  CHECK_THAT(text, Catch::Contains("x-nanobot: &nanobot"));
  CHECK_THAT(text, Catch::Contains("<<: *nanobot"));
  CHECK_THAT(text, Catch::Contains("user: \"1000:1000\""));  // YAML 1.1 would read 1000:1000 as a number
  CHECK(text.find("nanobot-base") == std::string::npos);   // not a service of its own

  YAML::Node file = YAML::Load(text);
  CHECK(file["services"].size() == 2);
  CHECK(file["x-nanobot"]["image"].as<std::string>() == "nanobot:latest");
  for (const std::string name : {"alice", "bob"}) {
    YAML::Node service = resolved_service(file, name);
    CHECK(service["container_name"].as<std::string>() == "nanobot-" + name);
    CHECK(service["user"].as<std::string>() == "1000:1000");
    CHECK(service["read_only"].as<bool>());
    CHECK(strings(service["tmpfs"]) == std::vector<std::string>{"/tmp"});
    CHECK(strings(service["cap_drop"]) == std::vector<std::string>{"ALL"});
    CHECK(strings(service["security_opt"]) == std::vector<std::string>{"no-new-privileges:true"});
    CHECK(service["restart"].as<std::string>() == "unless-stopped");
    // Upstream's shutdown may take 45 s (15 s for its tasks, 15 s for each of two clean-ups).
    CHECK(service["stop_grace_period"].as<std::string>() == "60s");
    CHECK_FALSE(service["userns_mode"]);  // as root: rootful engines, files given to 1000
    CHECK(strings(service["volumes"]) ==
          std::vector<std::string>{"./venv:/opt/venv:ro", "./instances/" + name + "/home:/data",
                                   "./instances/" + name + "/config:/data/.nanobot",
                                   "./instances/" + name + "/workspace:/data/workspace",
                                   "./instances/" + name + "/.env:/run/secrets/nanobot.env:ro"});
    // The compose tool never reads the secrets: it would expand $ and strip quotes.
    CHECK_FALSE(service["env_file"]);
    CHECK_FALSE(service["environment"][std::string("OPENAI_API_KEY")]);
    CHECK(service["healthcheck"]["test"][1].as<std::string>() == "/opt/venv/bin/python");
    CHECK_THAT(service["healthcheck"]["test"][3].as<std::string>(), Catch::Contains("/health"));
    CHECK(service["deploy"]["resources"]["limits"]["memory"].as<std::string>() == "1G");
    CHECK(service["logging"]["driver"].as<std::string>() == "json-file");
    CHECK(service["logging"]["options"]["max-file"].as<std::string>() == "3");
    CHECK(strings(service["networks"]) == std::vector<std::string>{"nanobot-net"});
  }
  CHECK(strings(resolved_service(file, "alice")["ports"]) == std::vector<std::string>{"127.0.0.1:18790:18790"});
  CHECK(strings(resolved_service(file, "bob")["ports"]) == std::vector<std::string>{"127.0.0.1:18791:18790"});
  CHECK(file["networks"]["nanobot-net"]["driver"].as<std::string>() == "bridge");
  // Emitting twice gives the same bytes.
  CHECK(render_compose(deployment, deployment.load_instances()) == text);
}

TEST_CASE("compose: the merged services equal the expanded model", "[compose]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790);
  YAML::Node file = YAML::Load(read_text(deployment.compose_file()));
  YAML::Node expanded = instance_service(deployment.load_instance("alice"), deployment.settings(),
                                         secrets_version(deployment.instance_dir("alice") / ".env"));
  YAML::Node merged = resolved_service(file, "alice");
  CHECK(merged.size() == expanded.size());
  for (const auto& entry : expanded) {
    INFO(entry.first.Scalar());
    REQUIRE(merged[entry.first.Scalar()].IsDefined());
    CHECK(value_text(merged[entry.first.Scalar()]) == value_text(entry.second));
  }
}

TEST_CASE("compose: settings choose image, mode and publish address", "[compose]") {
  TempDir dir;
  Deployment deployment(dir.path());
  DeploymentSettings settings = deployment.settings();
  settings.image = "127.0.0.1:5000/nanobot-full@sha256:" + std::string(64, 'a');
  settings.mode = RuntimeMode::self_contained;
  settings.publish_address = "0.0.0.0";
  deployment.save_settings(settings);
  CreateRequest request;
  request.name = "alice";
  request.webui_port = 18900;
  create_instance(deployment, request, no_port_in_use);
  YAML::Node service = resolved_service(YAML::Load(read_text(deployment.compose_file())), "alice");
  CHECK(service["image"].as<std::string>() == settings.image);
  CHECK(strings(service["volumes"]) == std::vector<std::string>{"./instances/alice/home:/data", "./instances/alice/config:/data/.nanobot",
                                                                "./instances/alice/workspace:/data/workspace",
                                                                "./instances/alice/.env:/run/secrets/nanobot.env:ro"});
  CHECK(strings(service["ports"]) == std::vector<std::string>{"0.0.0.0:18790:18790", "0.0.0.0:18900:8765"});
}

TEST_CASE("compose: an API port adds the instance's nanobot serve service beside its gateway", "[compose][api]") {
  TempDir dir;
  Deployment deployment(dir.path());
  CreateRequest request;
  request.name = "alice";
  request.port = 18790;
  request.api_port = 18900;
  create_instance(deployment, request, no_port_in_use);
  YAML::Node file = YAML::Load(read_text(deployment.compose_file()));
  YAML::Node gateway = resolved_service(file, "alice");
  YAML::Node api = resolved_service(file, "alice_api");
  CHECK(api["container_name"].as<std::string>() == "nanobot-alice_api");
  CHECK(strings(api["command"]) == std::vector<std::string>{"serve", "--host", "0.0.0.0"});
  CHECK(strings(api["ports"]) == std::vector<std::string>{"127.0.0.1:18900:8900"});
  CHECK(strings(api["healthcheck"]["test"]).back().find("8900") != std::string::npos);
  // The same image, data, secrets and confinement as the gateway.
  for (const char* key : {"image", "user", "read_only", "volumes", "cap_drop", "environment", "networks"})
    CHECK(YAML::Dump(api[key]) == YAML::Dump(gateway[key]));
  CHECK(strings(gateway["ports"]) == std::vector<std::string>{"127.0.0.1:18790:18790"});
  auto config = nlohmann::json::parse(read_text(deployment.instance_dir("alice") / "config/config.json"));
  CHECK(config["api"] == nlohmann::json({{"host", "0.0.0.0"}, {"port", 8900}, {"apiKey", "${SERVE_API_KEY}"}}));
  CHECK(deployment.load_instance("alice").services() == std::vector<std::string>{"alice", "alice_api"});
  CHECK_THAT(read_text(deployment.instance_dir("alice") / ".env"), Catch::Contains("\nSERVE_API_KEY="));
  // The port is taken: no other instance gets it.
  request.name = "bob";
  request.port = 18791;
  request.api_port = 18900;
  CHECK_THROWS_WITH(create_instance(deployment, request, no_port_in_use), Catch::Contains("API port 18900 is already used"));
  // serve exits without a provider where the gateway waits for one: the gate says so.
  auto checked = check_instance_configs(deployment, {"alice"});
  CHECK_FALSE(checked[0].check.starts());
  CHECK_THAT(checked[0].text(), Catch::Contains("the API server (nanobot serve, port 18900) exits without a model provider"));
}

TEST_CASE("compose: the instance's override is merged and never rewritten", "[compose]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice");
  make_instance(deployment, "bob");
  fs::path override_file = deployment.instance_dir("alice") / "docker-compose.override.yml";
  std::string override_text =
      "services:\n  alice:\n    environment:\n      - TZ=Asia/Shanghai\n    deploy:\n      resources:\n"
      "        limits:\n          memory: 2G\n    ports:\n      - \"127.0.0.1:18999:9000\"\n";
  write_text(override_file, override_text);
  write_compose(deployment);
  CHECK(read_text(override_file) == override_text);
  YAML::Node file = YAML::Load(read_text(deployment.compose_file()));
  YAML::Node alice = resolved_service(file, "alice");
  CHECK(alice["environment"]["TZ"].as<std::string>() == "Asia/Shanghai");
  CHECK(alice["environment"]["HOME"].as<std::string>() == "/data");
  CHECK(alice["deploy"]["resources"]["limits"]["memory"].as<std::string>() == "2G");
  CHECK(alice["deploy"]["resources"]["limits"]["cpus"].as<std::string>() == "1.0");
  CHECK(strings(alice["ports"]) == std::vector<std::string>{"127.0.0.1:18790:18790", "127.0.0.1:18999:9000"});
  YAML::Node bob = resolved_service(file, "bob");
  CHECK_FALSE(bob["environment"]["TZ"]);
  CHECK(bob["deploy"]["resources"]["limits"]["memory"].as<std::string>() == "1G");

  write_text(override_file, "services:\n  bob:\n    image: evil\n");
  CHECK_THROWS_WITH(write_compose(deployment), Catch::Contains("no service named 'alice'"));
  write_text(override_file, "- just\n- a list\n");
  CHECK_THROWS_WITH(write_compose(deployment), Catch::Contains("expected a mapping"));
}

TEST_CASE("compose: proxies pass through by reference, not value", "[compose]") {
  TempDir dir;
  Deployment deployment(dir.path());
  ::setenv("HTTPS_PROXY", "http://user:secret@proxy.example:3128", 1);
  make_instance(deployment, "alice");
  ::unsetenv("HTTPS_PROXY");
  std::string text = read_text(deployment.compose_file());
  CHECK_THAT(text, Catch::Contains("HTTPS_PROXY: \"${HTTPS_PROXY}\""));
  CHECK(text.find("user:secret") == std::string::npos);
  CHECK(text.find("HTTP_PROXY:") == std::string::npos);
}

TEST_CASE("compose: unchanged services come from the last emit, changed ones are rendered again", "[compose]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790);
  make_instance(deployment, "bob", 18791);
  fs::path bob_override = deployment.instance_dir("bob") / "docker-compose.override.yml";
  write_text(bob_override, "environment:\n  TZ: Asia/Shanghai\n");
  auto render = [&] { return render_compose(deployment, deployment.load_instances()); };
  auto render_without_cache = [&] {
    fs::remove(deployment.compose_cache_file());
    return render();
  };
  const std::string cold = render_without_cache();
  REQUIRE(fs::exists(deployment.compose_cache_file()));
  CHECK(render() == cold);  // from the cache, byte for byte

  // The cache is really read: a same-length edit of alice's cached text shows up.
  std::string cache = read_text(deployment.compose_cache_file());
  auto at = cache.find("container_name: nanobot-alice");
  REQUIRE(at != std::string::npos);
  cache.replace(at, 29, "container_name: nanobot-ALICE");
  write_text(deployment.compose_cache_file(), cache);
  CHECK_THAT(render(), Catch::Contains("nanobot-ALICE"));

  // A changed override renders that service again, and only that one.
  write_text(bob_override, "environment:\n  TZ: Europe/Paris\n");
  std::string changed = render();
  CHECK_THAT(changed, Catch::Contains("Europe/Paris") && Catch::Contains("nanobot-ALICE"));
  CHECK(changed.find("Asia/Shanghai") == std::string::npos);

  // Changed settings change every service's inputs.
  DeploymentSettings settings = deployment.settings();
  settings.publish_address = "0.0.0.0";
  deployment.save_settings(settings);
  std::string republished = render();
  CHECK(republished.find("nanobot-ALICE") == std::string::npos);
  CHECK_THAT(republished, Catch::Contains("0.0.0.0:18790:18790") && Catch::Contains("0.0.0.0:18791:18790"));
  CHECK(republished == render_without_cache());

  // A damaged or foreign cache is no cache.
  for (const std::string& damaged : {std::string("nanoforge compose cache 1\nshared 99999\n"), std::string("{}"),
                                    read_text(deployment.compose_cache_file()).substr(0, 900)}) {
    write_text(deployment.compose_cache_file(), damaged);
    CHECK(render() == republished);
  }
  // A deleted instance's service is dropped from the cache as from the file.
  fs::remove_all(deployment.instance_dir("bob"));
  CHECK(render().find("bob:") == std::string::npos);
  CHECK(read_text(deployment.compose_cache_file()).find("service bob ") == std::string::npos);
}

// Issue 12 item 3: `instance create yes` (or 123, no, true, off) wrote `yes:` and `hostname: 123`
// plain; Compose v1 read a service named True and refused the whole file.
TEST_CASE("compose: names YAML reads as another type stay strings, and docker-compose accepts the file",
          "[compose][yaml]") {
  std::vector<std::string> names{"alice"};
  for (const auto& spelling : typed_spellings())
    if (is_instance_name(spelling) && std::find(names.begin(), names.end(), spelling) == names.end())
      names.push_back(spelling);
  REQUIRE(names.size() > 30);  // yes, no, on, off, y, n, true, false, null, 0, 123, 017, 0x0, 0o17, 1e3, 2001-12-14...
  TempDir dir;
  Deployment deployment(dir.path());
  int port = 20000;
  for (const auto& name : names) make_instance(deployment, name, port++);  // never refused for its text
  std::string text = read_text(deployment.compose_file());
  CHECK_THAT(text, Catch::Contains("\n  \"yes\":\n") && Catch::Contains("\n  \"123\":\n") &&
                       Catch::Contains("hostname: \"123\"") && Catch::Contains("io.nanoforge.instance: \"off\""));
  CHECK_THAT(text, Catch::Contains("\n  alice:\n"));  // what no reader types stays plain
  check_names_with_yaml_cpp(text, names);

  std::string missing = python_readers_missing();
  if (!missing.empty()) NANOFORGE_SKIP(missing);
  if (run("command -v docker-compose").exit_code != 0) NANOFORGE_SKIP("docker-compose (v1) is not installed");
  // The schema Debian's docker-compose ships, found where its Python package is.
  auto located = run("/usr/bin/python3 -c 'import compose.config, os; "
                     "print(os.path.join(os.path.dirname(compose.config.__file__), \"compose_spec.json\"))'");
  REQUIRE(located.exit_code == 0);
  std::string schema = located.output.substr(0, located.output.find('\n'));
  REQUIRE(fs::exists(schema));
  check_names_with_python_readers(deployment.compose_file(), names, schema);

  // docker-compose v1 reads, validates and resolves the file, and lists every name as typed.
  auto listed = run("cd " + shell_quote(dir.path().string()) +
                    " && docker-compose -f docker-compose.yml config --services 2>config-errors.txt");
  INFO(read_text(dir / "config-errors.txt"));
  REQUIRE(listed.exit_code == 0);
  std::set<std::string> services;
  std::istringstream lines(listed.output);
  for (std::string line; std::getline(lines, line);) services.insert(line);
  CHECK(services == std::set<std::string>(names.begin(), names.end()));
}

// Random names the name rule allows, biased to what the type rules are made of (digits, e, x,
// o, b, y, n, '-'), short ones most: the whole file round-trips through yaml-cpp, PyYAML and
// ruamel.yaml with every name the string it was.
TEST_CASE("compose: random instance names round-trip through yaml-cpp, PyYAML and ruamel.yaml", "[compose][yaml]") {
  const unsigned seed = 1207;
  INFO("seed " << seed);
  std::mt19937 random(seed);
  const std::string alphabet = "0123456789012345678901234567890123456789eexxoobbyynn--abcdefghijklmnopqrstuvwxyz";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> percent(0, 99), short_length(1, 4), long_length(5, 63);
  std::set<std::string> unique;
  while (unique.size() < 200) {
    std::size_t length = static_cast<std::size_t>(percent(random) < 70 ? short_length(random) : long_length(random));
    std::string name;
    while (name.size() < length) {
      char c = alphabet[pick(random)];
      if (c == '-' && (name.empty() || name.size() + 1 == length)) continue;  // the rule: no '-' at either end
      name += c;
    }
    REQUIRE(is_instance_name(name));
    unique.insert(name);
  }
  std::vector<std::string> names(unique.begin(), unique.end());
  std::vector<Instance> instances;
  int port = 20000;
  for (const auto& name : names) {
    Instance instance;
    instance.name = name;
    instance.port = port++;
    instance.model = "gpt-4o-mini";
    instance.provider = "openai";
    instance.api_key_env = "OPENAI_API_KEY";
    instances.push_back(instance);
  }
  TempDir dir;
  Deployment deployment(dir.path());
  std::string text = render_compose(deployment, instances);
  check_names_with_yaml_cpp(text, names);
  std::string missing = python_readers_missing();
  if (!missing.empty()) NANOFORGE_SKIP(missing);
  write_text(deployment.compose_file(), text);
  check_names_with_python_readers(deployment.compose_file(), names);
}

// The override of an instance whose name YAML would type, in its `services: {NAME: ...}` form:
// found by the name as typed (yaml-cpp compares the key's text), keys written as strings, the
// user's own plain values (numbers, booleans) kept plain and quoted ones quoted.
TEST_CASE("compose: overrides of instances named like numbers or booleans keep their meaning", "[compose][yaml]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "123", 18790);
  make_instance(deployment, "yes", 18791);
  write_text(deployment.instance_dir("123") / "docker-compose.override.yml",
             "services:\n  123:\n    environment: {TZ: Asia/Shanghai, ON: \"1\"}\n"
             "    deploy: {resources: {limits: {cpus: 0.5}}}\n");
  write_text(deployment.instance_dir("yes") / "docker-compose.override.yml",
             "services:\n  yes:\n    environment: [\"no=off\"]\n    labels: {on: \"off\"}\n");
  write_compose(deployment);
  std::string text = read_text(deployment.compose_file());
  CHECK_THAT(text, Catch::Contains("TZ: Asia/Shanghai") && Catch::Contains("\"ON\": \"1\"") &&
                       Catch::Contains("cpus: 0.5") && Catch::Contains("\"no\": \"off\"") &&
                       Catch::Contains("\"on\": \"off\""));
  YAML::Node file = YAML::Load(text);
  CHECK(resolved_service(file, "123")["environment"]["TZ"].Scalar() == "Asia/Shanghai");
  CHECK(resolved_service(file, "yes")["environment"]["no"].Scalar() == "off");
  std::string missing = python_readers_missing();
  if (!missing.empty()) NANOFORGE_SKIP(missing);
  // As Compose v1 and podman-compose read it (PyYAML), with Python's repr showing each type.
  auto read = run("/usr/bin/python3 -c 'import sys, yaml; s = yaml.safe_load(open(sys.argv[1]))[\"services\"]; "
                  "print(repr([sorted(s), s[\"123\"][\"environment\"][\"ON\"], "
                  "s[\"123\"][\"deploy\"][\"resources\"][\"limits\"][\"cpus\"], "
                  "s[\"yes\"][\"environment\"][\"no\"], s[\"yes\"][\"labels\"][\"on\"]]))' " +
                  shell_quote(deployment.compose_file().string()));
  INFO(read.output);
  CHECK(read.output == "[['123', 'yes'], '1', 0.5, 'off', 'off']\n");
}

TEST_CASE("config.json is the one source of model, provider and container ports", "[compose][nanobot-config]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790, "assistant", "gpt-4o-mini");
  // What the WebUI or `nanobot onboard` would leave: a preset on another provider, the
  // gateway and the WebSocket channel on ports of their own.
  fs::path config_file = deployment.instance_dir("alice") / "config/config.json";
  auto config = nlohmann::json::parse(read_text(config_file));
  config["modelPresets"]["fast"] = {{"model", "deepseek-chat"}, {"provider", "deepseek"}};
  config["agents"]["defaults"]["modelPreset"] = "fast";
  config["providers"]["deepseek"] = {{"apiKey", "${DEEPSEEK_API_KEY}"}};
  config["gateway"]["port"] = 18999;
  config["channels"]["websocket"] = {{"port", "9100"}};  // pydantic reads the text as 9100
  write_text(config_file, config.dump(2));

  Instance alice = deployment.load_instance("alice");
  CHECK(alice.model == "deepseek-chat");
  CHECK(alice.preset == "fast");
  CHECK(alice.provider == "deepseek");
  CHECK(alice.gateway_port_inside == 18999);
  CHECK(alice.webui_port_inside == 9100);
  // instance.json keeps what nanoforge decides (the host port), not the app's settings.
  CHECK(nlohmann::json::parse(read_text(deployment.instance_dir("alice") / "instance.json"))["model"] == "gpt-4o-mini");

  write_compose(deployment);
  YAML::Node service = resolved_service(YAML::Load(read_text(deployment.compose_file())), "alice");
  CHECK(strings(service["ports"]) == std::vector<std::string>{"127.0.0.1:18790:18999"});
  CHECK_THAT(service["healthcheck"]["test"][3].as<std::string>(), Catch::Contains("127.0.0.1:18999/health"));
  CHECK(service["healthcheck"]["interval"].as<std::string>() == "10s");  // the whole healthcheck, not half
  std::string info = read_text(deployment.instance_dir("alice") / "INSTANCE_INFO.txt");
  CHECK_THAT(info, Catch::Contains("Model:            deepseek-chat (preset fast)"));
  CHECK_THAT(info, Catch::Contains("Provider:         deepseek"));
  CHECK_THAT(info, Catch::Contains("(18999 inside)"));

  // Back to the default port: the shared healthcheck again, and the cached service is not reused.
  config["gateway"]["port"] = 18790;
  write_text(config_file, config.dump(2));
  write_compose(deployment);
  service = resolved_service(YAML::Load(read_text(deployment.compose_file())), "alice");
  CHECK(strings(service["ports"]) == std::vector<std::string>{"127.0.0.1:18790:18790"});
  CHECK_THAT(service["healthcheck"]["test"][3].as<std::string>(), Catch::Contains("127.0.0.1:18790/health"));
}
