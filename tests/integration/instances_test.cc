// End to end on the harness's real engines: instances created, composed and run by
// nanoforge with docker-compose v1 on dockerd and with podman-compose on Podman.
//
// The image is an input: $NANOFORGE_TEST_NANOBOT_IMAGE (with $NANOFORGE_TEST_VENV the venv to
// mount), else the embedded example's runtime image and venv, whose app is a faithful stand-in
// for upstream Nanobot (examples/gateway): it binds 127.0.0.1 unless told otherwise, starts
// without a provider, writes under its config directory and HOME, and stops on bad settings.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "built_example.h"
#include "test_support.h"

using namespace nanoforge::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct EngineUnderTest {
  std::string name;         // docker | podman
  std::string environment;  // "DOCKER_HOST=... NANOFORGE_ENGINE=docker"
  std::string cli;          // "env DOCKER_HOST=... docker"
};

// The image the instances run: $NANOFORGE_TEST_NANOBOT_IMAGE when given, else the example's
// runtime image (nanobot:0.1.0 from the embedded example, built once per test program) loaded
// into the engine. Its app is the example gateway, which keeps upstream Nanobot's runtime
// contract (examples/gateway/README.md). Empty, with `why_not`, when neither is there.
std::string instance_image(const EngineUnderTest& engine, const fs::path& scratch, std::string& why_not) {
  if (const char* image = std::getenv("NANOFORGE_TEST_NANOBOT_IMAGE"); image && *image) return image;
  why_not = example_unavailable();
  if (!why_not.empty()) return "";
  return load_example_image(engine.cli + " load -i", engine.name == "podman", scratch);
}

// The venv the instances mount: $NANOFORGE_TEST_VENV, else the example's.
void prepare_venv(const fs::path& deployment) {
  const char* venv = std::getenv("NANOFORGE_TEST_VENV");
  fs::create_symlink(venv && *venv ? fs::path(venv) : BuiltExample::get().directory / "venv", deployment / "venv");
}

struct Nanoforge {
  EngineUnderTest engine;
  fs::path dir;
  CommandResult operator()(const std::string& arguments) const {
    return run("env " + engine.environment + " " + shell_quote(nanoforge_binary()) + " " + arguments + " --dir " +
               shell_quote(dir.string()));
  }
  // stdout and stderr apart, for the output contract (--json, --quiet).
  SplitResult split(const std::string& arguments) const {
    return run_split("env " + engine.environment + " " + shell_quote(nanoforge_binary()) + " " + arguments +
                     " --dir " + shell_quote(dir.string()));
  }
};

// A lifecycle command with --json: one JSON document on stdout naming the command.
void check_lifecycle_json(const Nanoforge& nanoforge, const std::string& arguments, const std::string& verb) {
  auto result = nanoforge.split(arguments + " --json");
  INFO(arguments << " --json: stdout:\n" << result.out << "\nstderr:\n" << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(not_one_json_document(result.out) == "");
  auto document = json::parse(result.out);
  CHECK(document["command"] == verb);
  CHECK_FALSE(document["engine"].get<std::string>().empty());
}

// A lifecycle command with --quiet: nothing at all on success, not even the compose tool's
// lines. (Only for verbs that start nothing: those warn, rightly even with --quiet, about the
// busybox stand-in image's missing secrets label.)
void check_lifecycle_quiet(const Nanoforge& nanoforge, const std::string& arguments) {
  auto result = nanoforge(arguments + " --quiet");
  INFO(arguments << " --quiet printed:\n" << result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.empty());
}

json status_of(const Nanoforge& nanoforge) {
  auto result = nanoforge("status --json");
  REQUIRE(result.exit_code == 0);
  auto begin = result.output.find('{');
  REQUIRE(begin != std::string::npos);
  json out = json::parse(result.output.substr(begin));
  json by_name = json::object();
  for (const auto& instance : out["instances"]) by_name[instance["name"].get<std::string>()] = instance;
  return by_name;
}

// Waits until `predicate(status)` holds, at most `seconds`.
template <typename Predicate>
json wait_for_status(const Nanoforge& nanoforge, Predicate predicate, int seconds) {
  json status;
  for (int waited = 0; waited < seconds * 2; ++waited) {
    status = status_of(nanoforge);
    if (predicate(status)) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return status;
}

std::map<std::string, std::string> tree_snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    auto relative = entry.path().lexically_relative(root).generic_string();
    files[relative] = entry.is_directory() ? "<dir>" : read_text(entry.path());
  }
  return files;
}

void run_instances_end_to_end(const EngineUnderTest& engine) {
  TempDir scratch("nanoforge-instances");
  std::string why_not;
  std::string image = instance_image(engine, scratch.path(), why_not);
  if (image.empty()) NANOFORGE_SKIP(why_not);
  fs::path dir = scratch / "deployment";
  fs::create_directories(dir);
  prepare_venv(dir);
  Nanoforge nanoforge{engine, dir};
  std::string project = "nftest-" + engine.name;
  auto composed = nanoforge("compose --image " + shell_quote(image) + " --project " + project);
  REQUIRE(composed.exit_code == 0);

  // Whatever happens, leave no containers or networks behind.
  struct Down {
    const Nanoforge& nanoforge;
    ~Down() { nanoforge("down"); }
  } down{nanoforge};

  int alice_port = free_local_port(), bob_port = free_local_port(), webui_port = free_local_port(),
      api_port = free_local_port();
  while (bob_port == alice_port) bob_port = free_local_port();
  while (webui_port == alice_port || webui_port == bob_port) webui_port = free_local_port();
  while (api_port == alice_port || api_port == bob_port || api_port == webui_port) api_port = free_local_port();
  // alice has Nanobot's WebUI published, with a login secret of her own.
  auto alice = nanoforge("instance create alice " + std::to_string(alice_port) + " gpt-4o-mini --soul assistant" +
                         " --webui-port " + std::to_string(webui_port));
  INFO(alice.output);
  REQUIRE(alice.exit_code == 0);
  CHECK_THAT(alice.output, Catch::Contains("WebUI: http://127.0.0.1:" + std::to_string(webui_port) + "/") &&
                               Catch::Contains("NANOBOT_WEB_TOKEN"));
  // bob also serves Nanobot's OpenAI-compatible API, from a second container.
  auto bob = nanoforge("instance create bob " + std::to_string(bob_port) + " claude-3-5-sonnet --soul creative" +
                       " --api-port " + std::to_string(api_port));
  INFO(bob.output);
  REQUIRE(bob.exit_code == 0);
  CHECK_THAT(bob.output, Catch::Contains("API: http://127.0.0.1:" + std::to_string(api_port) + "/v1"));

  // bob has a provider key; carol's config.json has a setting upstream does not know.
  std::string bob_secrets = read_text(dir / "instances/bob/.env");
  REQUIRE(bob_secrets.find("\nANTHROPIC_API_KEY=\n") != std::string::npos);
  bob_secrets.replace(bob_secrets.find("\nANTHROPIC_API_KEY=\n"), 20, "\nANTHROPIC_API_KEY=test-key-bob\n");
  write_text(dir / "instances/bob/.env", bob_secrets);
  // bob's gateway listens on another port inside, as his config.json says: the port mapping and
  // the healthcheck follow it (he is reached and healthy below only if they do).
  auto bob_config = json::parse(read_text(dir / "instances/bob/config/config.json"));
  bob_config["gateway"]["port"] = 18800;
  write_text(dir / "instances/bob/config/config.json", bob_config.dump(2));
  int carol_port = free_local_port();
  while (carol_port == alice_port || carol_port == bob_port) carol_port = free_local_port();
  REQUIRE(nanoforge("instance create carol " + std::to_string(carol_port) + " gpt-4o-mini").exit_code == 0);
  auto carol_config = json::parse(read_text(dir / "instances/carol/config/config.json"));
  carol_config["colour"] = "blue";
  write_text(dir / "instances/carol/config/config.json", carol_config.dump(2));
  // dave's HOME has a directory the app cannot write (the container's user owns it, mode 0555).
  int dave_port = free_local_port();
  while (dave_port == alice_port || dave_port == bob_port || dave_port == carol_port) dave_port = free_local_port();
  REQUIRE(nanoforge("instance create dave " + std::to_string(dave_port)).exit_code == 0);
  fs::permissions(dir / "instances/dave/home/.local/share", fs::perms(0555));

  if (engine.name == "docker") {
    // The compose tool itself accepts and resolves the file (merge keys and all).
    auto config = run("cd " + shell_quote(dir.string()) + " && env " + engine.environment +
                      " docker-compose -f docker-compose.yml config");
    INFO(config.output);
    CHECK(config.exit_code == 0);
    CHECK_THAT(config.output, Catch::Contains("container_name: nanobot-alice"));
    CHECK_THAT(config.output, Catch::Contains("read_only: true"));
  }

  // carol's config.json would stop Nanobot (an unknown top-level setting): `up` starts nothing
  // and says where; --skip-invalid starts the others and names her.
  auto refused = nanoforge("up");
  INFO(refused.output);
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.output, Catch::Contains("instance carol: instances/carol/config/config.json:") &&
                                 Catch::Contains("error: colour: Unknown setting.") &&
                                 Catch::Contains("nothing was started"));
  CHECK_THAT(nanoforge("status --json").output, !Catch::Contains("\"running\""));
  auto started = nanoforge.split("up --skip-invalid --json");
  INFO(started.err);
  REQUIRE(started.exit_code == 0);
  REQUIRE(not_one_json_document(started.out) == "");
  CHECK(json::parse(started.out)["skipped"] == json::array({"carol"}));
  auto both_healthy = [](const json& status) {
    return status.contains("alice") && status.contains("bob") && status["alice"]["health"] == "healthy" &&
           status["bob"]["health"] == "healthy";
  };
  // bob counts as up once his API server answers too.
  json status = wait_for_status(
      nanoforge, [&](const json& status) { return both_healthy(status) && status["bob"]["ok"] == true; }, 90);
  INFO(status.dump(2));
  REQUIRE(both_healthy(status));
  for (const char* name : {"alice", "bob"}) {
    CHECK(status[name]["state"] == "running");
    CHECK(status[name]["ok"] == true);
    CHECK(status[name]["memoryUsedBytes"].is_number());
    CHECK(status[name]["memoryUsedBytes"].get<double>() > 0);
    // deploy.resources.limits: 1G (Podman prints it rounded to decimal units, "1.074GB").
    CHECK(std::abs(status[name]["memoryLimitBytes"].get<double>() / (1024.0 * 1024 * 1024) - 1) < 0.01);
    CHECK(status[name]["cpuPercent"].is_number());
  }
  // The three states status tells apart, each from the app's own words: alice runs without a
  // provider, bob is ready, dave restarts on a directory it cannot write (carol never started).
  CHECK(status["alice"]["condition"] == "provider-not-configured");
  // bob's API server: its own container, healthy, and only with his key.
  {
    CHECK(status["bob"]["api"]["state"] == "running");
    CHECK(status["bob"]["api"]["health"] == "healthy");
    std::string api_key;
    std::istringstream secrets(read_text(dir / "instances/bob/.env"));
    for (std::string line; std::getline(secrets, line);)
      if (line.rfind("SERVE_API_KEY=", 0) == 0) api_key = line.substr(14);
    REQUIRE(api_key.size() == 43);
    std::string models = "http://127.0.0.1:" + std::to_string(api_port) + "/v1/models";
    CHECK(run("curl -s -o /dev/null -w '%{http_code}' " + models).output == "401");
    auto listed = run("curl -sf -H " + shell_quote("Authorization: Bearer " + api_key) + " " + models);
    INFO(listed.output);
    CHECK(listed.exit_code == 0);
    CHECK_THAT(listed.output, Catch::Contains("claude-3-5-sonnet"));
  }
  // alice's WebUI answers on the published port: its page, and the credential exchange only
  // with her secret (upstream's /webui/bootstrap: 401 without, a token with).
  {
    std::string web_token;
    std::istringstream secrets(read_text(dir / "instances/alice/.env"));
    for (std::string line; std::getline(secrets, line);)
      if (line.rfind("NANOBOT_WEB_TOKEN=", 0) == 0) web_token = line.substr(18);
    REQUIRE(web_token.size() == 43);
    std::string base = "http://127.0.0.1:" + std::to_string(webui_port);
    CHECK(run("curl -s -o /dev/null -w '%{http_code}' " + base + "/").output == "200");
    CHECK(run("curl -s -o /dev/null -w '%{http_code}' " + base + "/webui/bootstrap").output == "401");
    auto bootstrap = run("curl -sf -H " + shell_quote("Authorization: Bearer " + web_token) + " " + base + "/webui/bootstrap");
    INFO(bootstrap.output);
    CHECK(bootstrap.exit_code == 0);
    CHECK_THAT(bootstrap.output, Catch::Contains("\"token\": \"nbwt_"));
  }
  CHECK(status["alice"]["providerConfigured"] == false);
  CHECK(status["bob"]["condition"] == "ready");
  CHECK(status["bob"]["providerConfigured"] == true);
  auto dave_failing = [](const json& status) {
    return status.contains("dave") && status["dave"].value("reason", "").starts_with("not writable: Error: /data/.local/share");
  };
  status = wait_for_status(nanoforge, dave_failing, 60);
  INFO(status.dump(2));
  CHECK(dave_failing(status));
  CHECK(status["dave"]["ok"] == false);
  CHECK(status["carol"]["state"] != "running");
  auto table = nanoforge("status");
  CHECK_THAT(table.output, Catch::Contains("! alice") && Catch::Contains("✓ bob") && Catch::Contains("✗ dave"));
  CHECK_THAT(table.output, Catch::Contains("provider not configured: set the API key in instances/alice/.env"));
  REQUIRE(nanoforge("instance delete carol --yes --no-backup").exit_code == 0);
  REQUIRE(nanoforge("instance delete dave --yes --no-backup").exit_code == 0);

  // Each instance sees its own soul and config, and nothing of the other's.
  for (const std::string name : {"alice", "bob"}) {
    auto soul = run(engine.cli + " exec nanobot-" + name + " cat /data/workspace/SOUL.md");
    CHECK(soul.output == read_text(dir / "instances" / name / "workspace/SOUL.md"));
    auto config = run(engine.cli + " exec nanobot-" + name + " cat /data/.nanobot/config.json");
    CHECK(config.output == read_text(dir / "instances" / name / "config/config.json"));
    auto listing = run(engine.cli + " exec nanobot-" + name + " ls /data /data/workspace /data/.nanobot");
    CHECK(listing.output.find(name == "alice" ? "bob" : "alice") == std::string::npos);
    auto secret = run(engine.cli + " exec nanobot-" + name + " sh -c 'echo $OPENAI_API_KEY$ANTHROPIC_API_KEY'");
    CHECK(secret.output.find("sk-") == std::string::npos);  // created without a key: .env holds an empty one
  }
  CHECK(run(engine.cli + " exec nanobot-alice cat /data/workspace/SOUL.md").output !=
        run(engine.cli + " exec nanobot-bob cat /data/workspace/SOUL.md").output);
  // The host by name from inside, as the engine provides it (config.json says ${HOST_GATEWAY}):
  // the variable names it and the container's /etc/hosts maps it.
  auto host_gateway = run(engine.cli + " exec nanobot-alice sh -c 'echo $HOST_GATEWAY; cat /etc/hosts'");
  INFO(host_gateway.output);
  const std::string host_name = engine.name == "docker" ? "host.docker.internal" : "host.containers.internal";
  CHECK_THAT(host_gateway.output, Catch::StartsWith(host_name + "\n"));
  CHECK_THAT(host_gateway.output, Catch::Matches("[\\s\\S]*\n[0-9a-f.:]+\\s+([^\n]*\\s)?" + host_name + "(\\s[^\n]*)?\n[\\s\\S]*"));

  // The hardening the compose file asks for is what the engine did.
  auto inspected = run(engine.cli + " inspect nanobot-alice");
  REQUIRE(inspected.exit_code == 0);
  json container = json::parse(inspected.output)[0];
  CHECK(container["Config"]["User"] == "1000:1000");
  CHECK(container["HostConfig"]["ReadonlyRootfs"] == true);
  // Docker records cap_drop as "ALL", Podman as the list it dropped; the kernel's view is
  // what counts: no capability left in the bounding set of the container's PID 1.
  auto cap_drop = container["HostConfig"]["CapDrop"].dump();
  if (engine.name == "docker") CHECK_THAT(cap_drop, Catch::Contains("ALL"));
  else CHECK_THAT(cap_drop, Catch::Contains("CAP_CHOWN") && Catch::Contains("CAP_NET_BIND_SERVICE"));
  auto process_status = run(engine.cli + " exec nanobot-alice cat /proc/1/status").output;
  CHECK_THAT(process_status, Catch::Contains("CapBnd:\t0000000000000000"));
  CHECK_THAT(process_status, Catch::Contains("CapEff:\t0000000000000000"));
  CHECK_THAT(container["HostConfig"]["SecurityOpt"].dump(), Catch::Contains("no-new-privileges"));
  bool venv_read_only = false, venv_mounted = false;
  for (const auto& mount : container["Mounts"])
    if (mount["Destination"] == "/opt/venv") venv_mounted = true, venv_read_only = mount["RW"] == false;
  CHECK(venv_mounted);
  CHECK(venv_read_only);
  CHECK(run(engine.cli + " exec nanobot-alice id -u").output == "1000\n");
  CHECK(run(engine.cli + " exec nanobot-alice sh -c 'echo x > /opt/venv/x'").exit_code != 0);
  CHECK(run(engine.cli + " exec nanobot-alice sh -c 'echo x > /etc/x'").exit_code != 0);
  CHECK(run(engine.cli + " exec nanobot-alice sh -c 'echo x > /data/workspace/memory/written-inside'").exit_code == 0);
  // The whole of HOME and of the config directory is the container user's to write, as the
  // app expects (OAuth tokens, caches, history; sessions, run, media, logs, cron).
  for (const char* path : {"/data/.local/share/x", "/data/.cache/x", "/data/.nanobot/history-x", "/data/x"})
    CHECK(run(engine.cli + " exec nanobot-alice sh -c 'echo x > " + path + "'").exit_code == 0);
  CHECK(fs::is_directory(dir / "instances/alice/config/sessions"));
  CHECK(fs::exists(dir / "instances/alice/config/run/gateway.json"));
  CHECK(fs::is_directory(dir / "instances/alice/home/.local/share/nanobot"));
  CHECK(fs::exists(dir / "instances/alice/home/x"));
  // tini is PID 1 and the app its child, with the fault handler on.
  CHECK_THAT(run(engine.cli + " exec nanobot-alice cat /proc/1/cmdline").output, Catch::StartsWith("/usr/bin/tini"));

  if (engine.name == "docker") {
    // dockerd runs the compose healthcheck through the venv's python.
    std::string health;
    for (int i = 0; i < 60 && health != "healthy\n"; ++i) {
      health = run(engine.cli + " inspect --format '{{.State.Health.Status}}' nanobot-alice").output;
      if (health != "healthy\n") std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    CHECK(health == "healthy\n");
  }

  // stop bob: alice keeps running.
  check_lifecycle_quiet(nanoforge, "stop bob");
  status = status_of(nanoforge);
  CHECK(status["alice"]["state"] == "running");
  CHECK(status["alice"]["health"] == "healthy");
  CHECK(status["bob"]["state"] != "running");
  CHECK(status["bob"]["ok"] == false);
  // A one-off command in an instance's context, like upstream's nanobot-cli: bob's while his
  // container is stopped, alice's while hers runs; piped, then on a terminal (script -qc).
  auto exec = [&](const std::string& arguments) {
    return "env " + engine.environment + " " + shell_quote(nanoforge_binary()) + " instance exec --dir " +
           shell_quote(dir.string()) + " " + arguments;
  };
  auto said = run_split(exec("bob -- example-gateway agent -m hello"));
  INFO(said.out << said.err);
  CHECK(said.exit_code == 0);
  CHECK_THAT(said.out, Catch::Contains("[stand-in] claude-3-5-sonnet via anthropic would answer: hello"));
  auto no_key = run(exec("alice -- example-gateway agent -m hello"));
  INFO(no_key.output);
  CHECK(no_key.exit_code == 1);  // the command's own exit code
  CHECK_THAT(no_key.output, Catch::Contains("No API key configured for provider 'openai'"));
  auto chat = run("printf 'hi there\\nexit\\n' | script -qec " + shell_quote(exec("bob -- example-gateway agent")) +
                  " /dev/null");
  INFO(chat.output);
  CHECK(chat.exit_code == 0);
  CHECK_THAT(chat.output, Catch::Contains("heard: hi there (terminal: yes)"));
  CHECK(run(exec("nobody -- true")).exit_code != 0);
  CHECK(status_of(nanoforge)["bob"]["state"] != "running");  // exec started no gateway
  check_lifecycle_json(nanoforge, "start bob", "start");
  check_lifecycle_json(nanoforge, "restart alice", "restart");
  status = wait_for_status(nanoforge, both_healthy, 60);
  CHECK(both_healthy(status));

  // A running instance is stopped for a consistent copy and started again.
  fs::path alice_dir = dir / "instances/alice";
  auto paused = nanoforge.split("--json instance backup alice -o " + shell_quote((scratch / "paused.tar.zst").string()));
  INFO(paused.out << paused.err);
  REQUIRE(paused.exit_code == 0);
  REQUIRE(not_one_json_document(paused.out) == "");
  CHECK(json::parse(paused.out)["paused"] == json::array({"alice"}));
  CHECK(status_of(nanoforge)["alice"]["state"] == "running");

  // backup -> delete -> restore gives back the same files. Stopped first: the running app
  // writes its state (sessions flushed at SIGTERM, run/gateway.json at start) all the time.
  check_lifecycle_quiet(nanoforge, "stop alice");
  auto before = tree_snapshot(alice_dir);
  auto backup = nanoforge("instance backup alice --include-secrets -o " + shell_quote((scratch / "alice.tar.zst").string()));
  INFO(backup.output);
  REQUIRE(backup.exit_code == 0);
  auto deleted = nanoforge("instance delete alice --yes --no-backup");
  INFO(deleted.output);
  REQUIRE(deleted.exit_code == 0);
  CHECK_FALSE(fs::exists(alice_dir));
  CHECK(run(engine.cli + " inspect nanobot-alice").exit_code != 0);
  CHECK(read_text(dir / "docker-compose.yml").find("nanobot-alice") == std::string::npos);
  auto restored = nanoforge("instance restore " + shell_quote((scratch / "alice.tar.zst").string()));
  INFO(restored.output);
  REQUIRE(restored.exit_code == 0);
  CHECK(tree_snapshot(alice_dir) == before);
  check_lifecycle_json(nanoforge, "up alice", "up");
  status = wait_for_status(nanoforge, both_healthy, 60);
  CHECK(both_healthy(status));
  CHECK(run(engine.cli + " exec nanobot-alice cat /data/workspace/memory/written-inside").output == "x\n");

  check_lifecycle_quiet(nanoforge, "down");
  CHECK(run(engine.cli + " inspect nanobot-alice").exit_code != 0);
  CHECK(run(engine.cli + " network ls --format '{{.Name}}'").output.find(project + "_nanobot-net") == std::string::npos);
}

}  // namespace

TEST_CASE("instances run on dockerd with docker-compose", "[instances][docker]") {
  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP(harness.docker_unavailable);
  if (run("command -v docker-compose").exit_code != 0) NANOFORGE_SKIP("docker-compose is not installed");
  EngineUnderTest engine{"docker", "DOCKER_HOST=" + shell_quote(*harness.docker_host) + " NANOFORGE_ENGINE=docker",
                         harness.docker()};
  run_instances_end_to_end(engine);
}

TEST_CASE("instances run on Podman with podman-compose", "[instances][podman]") {
  const auto& harness = Harness::get();
  if (!harness.containers_conf) NANOFORGE_SKIP(harness.podman_unavailable);
  if (run("command -v podman-compose").exit_code != 0) NANOFORGE_SKIP("podman-compose is not installed");
  EngineUnderTest engine{"podman",
                         "CONTAINERS_CONF=" + shell_quote(*harness.containers_conf) + " NANOFORGE_ENGINE=podman",
                         harness.podman()};
  run_instances_end_to_end(engine);
}

namespace {

// Issue 12 item 3: names YAML 1.1 reads as a boolean or a number (`yes`, `123`, `off`) made
// the compose file unreadable for every instance. Here they start, and keep their names.
void run_yaml_typed_names(const EngineUnderTest& engine) {
  TempDir scratch("nanoforge-yamlnames");
  std::string why_not;
  std::string image = instance_image(engine, scratch.path(), why_not);
  if (image.empty()) NANOFORGE_SKIP(why_not);
  fs::path dir = scratch / "deployment";
  fs::create_directories(dir);
  prepare_venv(dir);
  Nanoforge nanoforge{engine, dir};
  std::string project = "nftest-yamlnames-" + engine.name;
  REQUIRE(nanoforge("compose --image " + shell_quote(image) + " --project " + project).exit_code == 0);
  struct Down {
    const Nanoforge& nanoforge;
    ~Down() { nanoforge("down"); }
  } down{nanoforge};
  const std::vector<std::string> names{"yes", "123", "off"};
  std::set<int> ports;
  for (const auto& name : names) {
    int port = free_local_port();
    while (ports.count(port)) port = free_local_port();
    ports.insert(port);
    auto created = nanoforge("instance create " + name + " " + std::to_string(port));
    INFO(created.output);
    REQUIRE(created.exit_code == 0);
  }
  auto up = nanoforge("up");
  INFO(up.output);
  REQUIRE(up.exit_code == 0);
  auto all_running = [&](const json& status) {
    return std::all_of(names.begin(), names.end(), [&](const std::string& name) {
      return status.contains(name) && status[name]["state"] == "running";
    });
  };
  json status = wait_for_status(nanoforge, all_running, 60);
  INFO(status.dump(2));
  REQUIRE(all_running(status));
  for (const auto& name : names) {
    auto inspected = run(engine.cli + " inspect nanobot-" + name);
    REQUIRE(inspected.exit_code == 0);
    json container = json::parse(inspected.output)[0];
    CHECK(container["Config"]["Hostname"] == name);
    CHECK(container["Config"]["Labels"]["io.nanoforge.instance"] == name);  // not "True", "123.0"
    CHECK(run(engine.cli + " exec nanobot-" + name + " cat /proc/sys/kernel/hostname").output == name + "\n");
  }
  auto down_result = nanoforge("down");
  INFO(down_result.output);
  CHECK(down_result.exit_code == 0);
  for (const auto& name : names) CHECK(run(engine.cli + " inspect nanobot-" + name).exit_code != 0);
}

}  // namespace

TEST_CASE("instances named yes, 123 and off run under podman-compose", "[instances][podman][yamlnames]") {
  const auto& harness = Harness::get();
  if (!harness.containers_conf) NANOFORGE_SKIP(harness.podman_unavailable);
  if (run("command -v podman-compose").exit_code != 0) NANOFORGE_SKIP("podman-compose is not installed");
  EngineUnderTest engine{"podman",
                         "CONTAINERS_CONF=" + shell_quote(*harness.containers_conf) + " NANOFORGE_ENGINE=podman",
                         harness.podman()};
  run_yaml_typed_names(engine);
}

TEST_CASE("instances named yes, 123 and off run under docker-compose v1", "[instances][docker][yamlnames]") {
  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP(harness.docker_unavailable);
  if (run("command -v docker-compose").exit_code != 0) NANOFORGE_SKIP("docker-compose is not installed");
  EngineUnderTest engine{"docker", "DOCKER_HOST=" + shell_quote(*harness.docker_host) + " NANOFORGE_ENGINE=docker",
                         harness.docker()};
  run_yaml_typed_names(engine);
}

TEST_CASE("bad instance input on the command line: errors, exit codes, nothing changed", "[instances]") {
  TempDir scratch("nanoforge-instances-bad");
  fs::path dir = scratch / "deployment";
  Nanoforge nanoforge{{"none", "NANOFORGE_ENGINE=none", ""}, dir};
  // Any port nothing listens on: other deployments on this host may hold 18790.
  std::string alice_port = std::to_string(free_local_port());
  REQUIRE(nanoforge("instance create alice " + alice_port).exit_code == 0);
  auto before = tree_snapshot(dir);
  struct Case {
    std::string arguments, message;
  };
  std::vector<Case> cases = {
      {"instance create ../x", "invalid instance name"},
      {"instance create Alice", "invalid instance name"},
      {"instance create a_b", "invalid instance name"},
      {"instance create ''", "instance name is empty"},
      {"instance create bob 0", "invalid port 0"},
      {"instance create bob 80", "1024 to 65535"},
      {"instance create bob 70000", "70000"},
      {"instance create bob " + alice_port, "already used by instance 'alice'"},
      {"instance create bob --soul grumpy", "unknown soul"},
      {"instance create alice", "already exists"},
      {"instance restore " + shell_quote((scratch / "missing.tar.zst").string()), "no backup file"},
      {"instance migrate --from " + shell_quote(scratch.path().string()) + " m", "not a Nanobot home"},
      {"instance delete nobody --yes", "no instance 'nobody'"},
  };
  for (const auto& [arguments, message] : cases) {
    auto result = nanoforge(arguments);
    INFO(arguments << "\n" << result.output);
    CHECK(result.exit_code != 0);
    CHECK_THAT(result.output, Catch::Contains(message));
    CHECK(tree_snapshot(dir) == before);
  }
  // A port in use on the host.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(fd, 1);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  auto busy = nanoforge("instance create bob " + std::to_string(ntohs(address.sin_port)));
  ::close(fd);
  CHECK(busy.exit_code != 0);
  CHECK_THAT(busy.output, Catch::Contains("in use on this host"));
  CHECK(tree_snapshot(dir) == before);

  // A hand-broken config.json: status and compose name the file and line, and touch nothing.
  write_text(dir / "instances/alice/config/config.json", "{\n  \"agents\": oops\n}\n");
  before = tree_snapshot(dir);
  for (const char* command : {"status", "compose"}) {
    auto result = nanoforge(command);
    INFO(result.output);
    CHECK(result.exit_code != 0);
    CHECK_THAT(result.output, Catch::Contains("instances/alice/config/config.json:2:"));
    CHECK(tree_snapshot(dir) == before);
  }
}
