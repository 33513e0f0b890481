// Secrets reach the app byte for byte, whatever the compose tool: instances created and
// started by nanoforge with docker-compose v1 and Compose v2 on dockerd and with
// podman-compose on Podman, and the app's own environment (/proc/1/environ of the process the
// entrypoint execs) read inside the running containers.
//
// The image is a stand-in built here: Debian's dash as /bin/sh (what the runtime images run
// the entrypoint with) and static busybox, with the repository's docker/nanobot-entrypoint.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "test_support.h"

using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

struct Engine {
  std::string name;         // docker-compose | compose-v2 | podman
  std::string environment;  // for nanoforge: "DOCKER_HOST=... NANOFORGE_ENGINE=..."
  std::string cli;          // "env DOCKER_HOST=... docker"
};

// Values API keys and bot tokens contain, and what compose tools changed in an env_file.
const std::vector<std::string>& table() {
  static const std::vector<std::string> values{
      "$x", "${HOME}", "$$", "#", "\"", "'", " ", "x\\", "sk-AB$cd$EF${HOME}x#y z", "\"quoted\"", "'single'",
      "a #b", "  padded  ", "$(id)`id`", "\xe5\xaf\x86\xe9\x92\xa5-\xc3\xa9", ""};
  return values;
}

// dash and the libraries it loads, as `ldd` names them, copied to the same paths in `tree`.
void copy_with_libraries(const fs::path& program, const fs::path& tree) {
  auto copy = [&](const fs::path& file) {
    fs::create_directories(tree / file.relative_path().parent_path());
    fs::copy_file(file, tree / file.relative_path(), fs::copy_options::overwrite_existing);
  };
  copy(program);
  std::istringstream lines(run("ldd " + shell_quote(program.string())).output);
  for (std::string line; std::getline(lines, line);) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    copy(line.substr(slash, line.find(' ', slash) - slash));
  }
}

// The stand-in runtime image, imported once per engine.
std::string secrets_image(const Engine& engine, const fs::path& scratch) {
  std::string tag = "localhost/nanoforge-test/secrets-standin:1";
  fs::path tree = scratch / "image";
  fs::create_directories(tree / "bin");
  for (const char* dir : {"www", "data", "opt/venv", "tmp", "etc", "usr/local/bin"}) fs::create_directories(tree / dir);
  copy_with_libraries("/usr/bin/dash", tree);
  fs::copy_file("/bin/busybox", tree / "bin/busybox");
  for (const char* tool : {"httpd", "cat", "wget", "id", "sleep"}) fs::create_symlink("busybox", tree / "bin" / tool);
  fs::create_symlink("/usr/bin/dash", tree / "bin/sh");
  fs::copy_file(source_dir() / "docker/nanobot-entrypoint", tree / "usr/local/bin/nanobot-entrypoint");
  write_text(tree / "www/health", "ok\n");
  write_text(tree / "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnanobot:x:1000:1000::/data:/bin/sh\n");
  write_text(tree / "etc/group", "root:x:0:\nnanobot:x:1000:\n");
  auto imported = run("tar -C " + shell_quote(tree.string()) + " -c . | " + engine.cli +
                      " import --change 'ENTRYPOINT [\"/usr/local/bin/nanobot-entrypoint\"]'"
                      " --change 'LABEL io.nanoforge.secrets-file=/run/secrets/nanobot.env'"
                      " --change 'ENV HOME=/data' --change 'USER 1000:1000' - " + tag);
  INFO(imported.output);
  REQUIRE(imported.exit_code == 0);
  return tag;
}

// The app the entrypoint execs from the mounted venv: a shell that serves /health and ends on
// SIGTERM; its environment is what the secrets became.
void prepare_venv(const fs::path& deployment) {
  write_text(deployment / "venv/bin/nanobot",
             "#!/bin/sh\ntrap 'exit 0' TERM\n/bin/busybox httpd -f -p 18790 -h /www &\nwait\n");
  write_text(deployment / "venv/bin/python",
             "#!/bin/sh\nexec /bin/busybox wget -q -O /dev/null http://127.0.0.1:18790/health\n");
  for (const char* program : {"nanobot", "python"})
    fs::permissions(deployment / "venv/bin" / program, fs::perms(0755));
}

struct Nanoforge {
  Engine engine;
  fs::path dir;
  CommandResult operator()(const std::string& arguments, const std::string& environment = "") const {
    return run("env " + engine.environment + " " + environment + " " + shell_quote(nanoforge_binary()) + " " +
               arguments + " --dir " + shell_quote(dir.string()));
  }
};

// The environment of the container's PID 1, the app; empty when it is not running.
std::map<std::string, std::string> app_environment(const Engine& engine, const std::string& container,
                                                   const fs::path& scratch) {
  fs::path out = scratch / (container + ".environ");
  std::map<std::string, std::string> variables;
  if (run(engine.cli + " exec " + container + " cat /proc/1/environ >" + shell_quote(out.string())).exit_code != 0)
    return variables;
  std::string environ = read_text(out);
  for (std::size_t start = 0; start < environ.size();) {
    std::size_t end = environ.find('\0', start);
    if (end == std::string::npos) end = environ.size();
    std::string entry = environ.substr(start, end - start);
    if (auto equals = entry.find('='); equals != std::string::npos)
      variables[entry.substr(0, equals)] = entry.substr(equals + 1);
    start = end + 1;
  }
  return variables;
}

// Waits (at most `seconds`) until the container's app has `name` set to `value`.
bool wait_for_value(const Engine& engine, const std::string& container, const fs::path& scratch,
                    const std::string& name, const std::string& value, int seconds) {
  for (int i = 0; i < seconds * 4; ++i) {
    auto environment = app_environment(engine, container, scratch);
    if (environment.count(name) && environment[name] == value) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

void check_secrets_arrive(const Engine& engine) {
  TempDir scratch("nanoforge-secrets-" + engine.name);
  std::string image = secrets_image(engine, scratch.path());
  fs::path dir = scratch / "deployment";
  fs::create_directories(dir);
  prepare_venv(dir);
  Nanoforge nanoforge{engine, dir};
  struct RemoveImage {  // after `down`: leave no image behind
    const Engine& engine;
    std::string image;
    ~RemoveImage() { run(engine.cli + " rmi -f " + image + " >/dev/null 2>&1"); }
  } remove_image{engine, image};
  REQUIRE(nanoforge("compose --image " + image + " --project secrets-" + engine.name).exit_code == 0);
  struct Down {
    const Nanoforge& nanoforge;
    ~Down() { nanoforge("down"); }
  } down{nanoforge};

  // alice: the key the issue reports, given to `instance create` through the environment.
  const std::string key = "sk-AB$cd$EF${HOME}x#y z";
  auto created = nanoforge("instance create alice " + std::to_string(free_local_port()),
                           "OPENAI_API_KEY=" + shell_quote(key));
  INFO(created.output);
  REQUIRE(created.exit_code == 0);
  // bob: the table, written by hand as the README says.
  REQUIRE(nanoforge("instance create bob " + std::to_string(free_local_port())).exit_code == 0);
  std::string text = "# hand-written\n\nOPENAI_API_KEY=\n";
  for (std::size_t i = 0; i < table().size(); ++i) text += "V" + std::to_string(i) + "=" + table()[i] + "\n";
  write_text(dir / "instances/bob/.env", text);

  auto up = nanoforge("up");
  INFO(up.output);
  REQUIRE(up.exit_code == 0);
  CHECK(up.output.find("has no io.nanoforge.secrets-file label") == std::string::npos);
  REQUIRE(wait_for_value(engine, "nanobot-alice", scratch.path(), "OPENAI_API_KEY", key, 30));
  auto bob = app_environment(engine, "nanobot-bob", scratch.path());
  for (std::size_t i = 0; i < table().size(); ++i) {
    std::string name = "V" + std::to_string(i);
    INFO(name << " = [" << table()[i] << "]");
    REQUIRE(bob.count(name) == 1);
    CHECK(bob[name] == table()[i]);
  }
  CHECK(bob["HOME"] == "/data");  // the compose file's own environment is untouched
  // The compose tool never saw them: they are not in the container's configuration.
  auto inspected = run(engine.cli + " inspect --format '{{json .Config.Env}}' nanobot-alice");
  CHECK(inspected.output.find("sk-AB") == std::string::npos);

  // An edited secret reaches the app: `up` recreates (Compose tracks the file's version),
  // `restart` re-reads it (podman-compose recreates nothing on `up`).
  write_text(dir / "instances/bob/.env", text + "V0=changed $again\n");
  auto applied = nanoforge(engine.name == "podman" ? "restart bob" : "up bob");
  INFO(applied.output);
  CHECK(applied.exit_code == 0);
  CHECK(wait_for_value(engine, "nanobot-bob", scratch.path(), "V0", "changed $again", 30));

  // A hand-edited line that cannot be passed on: up names it and starts nothing...
  write_text(dir / "instances/bob/.env", text + "V1=ok\nexport TOKEN=x\n");
  auto refused = nanoforge("up");
  INFO(refused.output);
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.output, Catch::Contains((dir / "instances/bob/.env").string() + ":" +
                                             std::to_string(4 + table().size() + 1) + ": "));
  CHECK(app_environment(engine, "nanobot-bob", scratch.path())["V1"] == table()[1]);  // still the old container
  // ...and an engine that restarts the container without nanoforge gets the entrypoint's refusal.
  run(engine.cli + " restart -t 2 nanobot-bob");
  bool refused_inside = false;
  for (int i = 0; i < 40 && !refused_inside; ++i) {
    refused_inside = run(engine.cli + " logs nanobot-bob").output.find("/run/secrets/nanobot.env:" +
                                                                       std::to_string(4 + table().size() + 1)) !=
                     std::string::npos;
    if (!refused_inside) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  CHECK(refused_inside);
  CHECK(app_environment(engine, "nanobot-bob", scratch.path()).count("V0") == 0);  // the app never started
}

}  // namespace

TEST_CASE("secrets arrive byte for byte with docker-compose v1", "[secrets][docker]") {
  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP(harness.docker_unavailable);
  if (run("command -v docker-compose").exit_code != 0) NANOFORGE_SKIP("docker-compose is not installed");
  check_secrets_arrive({"docker-compose",
                        "DOCKER_HOST=" + shell_quote(*harness.docker_host) + " NANOFORGE_ENGINE=docker-compose",
                        harness.docker()});
}

TEST_CASE("secrets arrive byte for byte with Compose v2", "[secrets][docker]") {
  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP(harness.docker_unavailable);
  // Debian 12 has no Compose v2: the test set-up takes Debian 13's package from the mirror.
  TempDir scratch("nanoforge-compose-v2");
  auto fetched = run(shell_quote((source_dir() / "tests/tools/compose-v2.sh").string()) + " 2>" +
                     shell_quote((scratch / "stderr").string()));
  if (fetched.exit_code == 77) NANOFORGE_SKIP("Compose v2 cannot be fetched: " + read_text(scratch / "stderr"));
  INFO(read_text(scratch / "stderr"));
  INFO(fetched.output);
  REQUIRE(fetched.exit_code == 0);
  std::string docker_config = fetched.output.substr(0, fetched.output.find('\n'));
  std::string environment = "DOCKER_HOST=" + shell_quote(*harness.docker_host) +
                            " DOCKER_CONFIG=" + shell_quote(docker_config);
  REQUIRE(run("env " + environment + " docker compose version").exit_code == 0);
  check_secrets_arrive({"compose-v2", environment + " NANOFORGE_ENGINE=docker-compose-v2", "env " + environment + " docker"});
}

TEST_CASE("secrets arrive byte for byte with podman-compose", "[secrets][podman]") {
  const auto& harness = Harness::get();
  if (!harness.containers_conf) NANOFORGE_SKIP(harness.podman_unavailable);
  if (run("command -v podman-compose").exit_code != 0) NANOFORGE_SKIP("podman-compose is not installed");
  check_secrets_arrive({"podman", "CONTAINERS_CONF=" + shell_quote(*harness.containers_conf) + " NANOFORGE_ENGINE=podman",
                        harness.podman()});
}

TEST_CASE("up and compose refuse a secrets line that cannot be passed on and name its file and line", "[secrets]") {
  TempDir scratch("nanoforge-secrets-cli");
  fs::path dir = scratch / "deployment";
  Nanoforge nanoforge{{"none", "NANOFORGE_ENGINE=none", ""}, dir};
  REQUIRE(nanoforge("instance create alice " + std::to_string(free_local_port())).exit_code == 0);
  fs::path env = dir / "instances/alice/.env";
  write_text(env, read_text(env) + "OPENAI_API_KEY=sk-good\nsk-pasted-without-a-name\n");
  std::size_t bad_line = 0;
  {
    std::istringstream lines(read_text(env));
    for (std::string line; std::getline(lines, line);) ++bad_line;
  }
  std::string compose_before = read_text(dir / "docker-compose.yml");
  for (const char* command : {"up", "up alice", "compose", "start", "restart alice"}) {
    auto result = nanoforge(command);
    INFO(command << "\n" << result.output);
    CHECK(result.exit_code != 0);
    CHECK_THAT(result.output, Catch::Contains(env.string() + ":" + std::to_string(bad_line) + ": no '='"));
    CHECK(result.output.find("sk-pasted") == std::string::npos);
    CHECK(read_text(dir / "docker-compose.yml") == compose_before);
  }
  // A key with a newline is refused by create, naming the variable; nothing is created.
  auto newline = nanoforge("instance create bob " + std::to_string(free_local_port()),
                           "OPENAI_API_KEY=\"$(printf 'sk-one\\nsk-two')\"");
  INFO(newline.output);
  CHECK(newline.exit_code != 0);
  CHECK_THAT(newline.output, Catch::Contains("OPENAI_API_KEY") && Catch::Contains("line break"));
  CHECK_FALSE(fs::exists(dir / "instances/bob"));
}
