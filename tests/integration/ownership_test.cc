// The ownership modes (deploy/ownership.h) on real engines, each run as the user it is for:
// root with dockerd is instances_test.cc; here a user in the docker group with the harness's
// dockerd, and a user running rootless Podman. The app is the example gateway, which writes
// under its config directory and HOME as upstream Nanobot does, so a container that cannot
// write there never becomes healthy.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "built_example.h"
#include "test_support.h"

using namespace nanoforge::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A throwaway local user (useradd -m), removed with its home and processes at the end.
class TestUser {
 public:
  TestUser(const std::string& name, const std::string& groups) : name_(name) {
    run("pkill -KILL -u " + name_ + " 2>/dev/null; userdel -r -f " + name_ + " 2>/dev/null");
    auto added = run("useradd -m " + (groups.empty() ? "" : "-G " + groups + " ") + name_);
    created_ = added.exit_code == 0;
    error_ = added.output;
    if (created_) {
      uid_ = std::stoul(run("id -u " + name_).output);
      gid_ = std::stoul(run("id -g " + name_).output);
    }
  }
  ~TestUser() {
    if (created_) run("pkill -KILL -u " + name_ + " 2>/dev/null; sleep 0.3; userdel -r -f " + name_ + " 2>/dev/null");
  }
  TestUser(const TestUser&) = delete;
  TestUser& operator=(const TestUser&) = delete;

  bool created() const { return created_; }
  const std::string& error() const { return error_; }
  unsigned uid() const { return uid_; }
  unsigned gid() const { return gid_; }
  std::string ids() const { return std::to_string(uid_) + ":" + std::to_string(gid_); }
  // What runs a command as this user with a clean environment plus `environment` (NAME=value
  // words): the command's words follow.
  std::string prefix(const std::string& environment = "") const {
    return "setpriv --reuid=" + name_ + " --regid=" + name_ + " --init-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/home/" +
           name_ + " " + environment;
  }
  // `command` (a shell command line) run as this user, from /.
  CommandResult operator()(const std::string& command, const std::string& environment = "") const {
    return run("cd / && " + prefix(environment) + " sh -c " + shell_quote(command));
  }

 private:
  std::string name_;
  bool created_ = false;
  std::string error_;
  unsigned uid_ = 0, gid_ = 0;
};

std::string owner_of(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return "missing";
  return std::to_string(info.st_uid) + ":" + std::to_string(info.st_gid);
}

// Why this machine cannot make test users, or "".
std::string cannot_make_users() {
  if (::geteuid() != 0) return "making a test user needs root";
  if (run("command -v useradd && command -v setpriv").exit_code != 0) return "useradd or setpriv is not installed";
  return "";
}

// A deployment directory the user owns, with the example's venv beside it.
fs::path user_deployment(const TempDir& scratch, const TestUser& user) {
  fs::path dir = scratch / "deployment";
  fs::create_directories(dir);
  fs::create_symlink(BuiltExample::get().directory / "venv", dir / "venv");
  REQUIRE(run("chown -h " + user.ids() + " " + shell_quote(dir.string()) + " " + shell_quote((dir / "venv").string()))
              .exit_code == 0);
  return dir;
}

bool wait_healthy(const std::string& probe, int seconds) {
  for (int i = 0; i < seconds * 2; ++i) {
    if (run(probe).exit_code == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

}  // namespace

TEST_CASE("a user in the docker group runs instances as themselves, nothing chowned", "[instances][ownership][docker]") {
  if (auto why = cannot_make_users(); !why.empty()) NANOFORGE_SKIP(why);
  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP(harness.docker_unavailable);
  if (run("command -v docker-compose").exit_code != 0) NANOFORGE_SKIP("docker-compose is not installed");
  if (run("getent group docker").exit_code != 0) NANOFORGE_SKIP("there is no docker group on this machine");
  std::string socket = harness.docker_host->substr(std::string("unix://").size());
  if (run("stat -c %G " + shell_quote(socket)).output != "docker\n")
    NANOFORGE_SKIP("the harness's docker socket " + socket + " is not group docker");
  if (auto why = example_unavailable(); !why.empty()) NANOFORGE_SKIP(why);

  TempDir scratch("nanoforge-owner-docker");
  std::string image = load_example_image(harness.docker() + " load -i", false, scratch.path());
  TestUser user("nfdocker" + std::to_string(::getpid() % 100000), "docker");
  REQUIRE(user.created());
  fs::path dir = user_deployment(scratch, user);
  std::string environment = "DOCKER_HOST=" + shell_quote(*harness.docker_host) + " NANOFORGE_ENGINE=docker";
  auto nanoforge = [&](const std::string& arguments) {
    return user(shell_quote(nanoforge_binary()) + " " + arguments + " --dir " + shell_quote(dir.string()), environment);
  };
  struct Down {
    std::function<CommandResult(const std::string&)> nanoforge;
    ~Down() { nanoforge("down"); }
  } down{nanoforge};
  auto composed = nanoforge("compose --json --image " + image + " --project nftest-owner-docker");
  INFO(composed.output);
  REQUIRE(composed.exit_code == 0);
  auto written = json::parse(composed.output.substr(composed.output.find('{')));
  CHECK(written["ownership"] == "invoking-user");
  CHECK(written["user"] == user.ids());
  int alice_port = free_local_port(), bob_port = free_local_port();
  while (bob_port == alice_port) bob_port = free_local_port();
  for (const auto& [name, port] : {std::pair<std::string, int>{"alice", alice_port}, {"bob", bob_port}}) {
    auto created = nanoforge("instance create " + name + " " + std::to_string(port));
    INFO(created.output);
    REQUIRE(created.exit_code == 0);
  }
  auto up = nanoforge("up");
  INFO(up.output);
  REQUIRE(up.exit_code == 0);
  for (const auto& [name, port] : {std::pair<std::string, int>{"alice", alice_port}, {"bob", bob_port}}) {
    bool healthy = wait_healthy("curl -sf http://127.0.0.1:" + std::to_string(port) + "/health", 60);
    INFO(run(harness.docker() + " logs nanobot-" + name).output);
    CHECK(healthy);
  }

  auto inspected = run(harness.docker() + " inspect nanobot-alice");
  REQUIRE(inspected.exit_code == 0);
  CHECK(json::parse(inspected.output)[0]["Config"]["User"] == user.ids());
  // What the app wrote is the user's, and so is everything nanoforge wrote: nothing was
  // given to an id the user cannot edit as.
  fs::path alice = dir / "instances/alice";
  for (const char* path : {"config/run/gateway.json", "config/sessions", "home/.local/share/nanobot", "config/config.json",
                           "workspace/SOUL.md", ".env", "instance.json"})
    CHECK(owner_of(alice / path) == user.ids());
  auto status = nanoforge("status --json");
  INFO(status.output);
  for (const auto& instance : json::parse(status.output.substr(status.output.find('{')))["instances"])
    CHECK(instance["condition"] == "provider-not-configured");
}

TEST_CASE("rootless Podman maps its user to the container's with keep-id", "[instances][ownership][podman]") {
  if (auto why = cannot_make_users(); !why.empty()) NANOFORGE_SKIP(why);
  const auto& harness = Harness::get();
  if (!harness.containers_conf) NANOFORGE_SKIP(harness.podman_unavailable);
  if (auto why = example_unavailable(); !why.empty()) NANOFORGE_SKIP(why);
  TestUser user("nfrootless" + std::to_string(::getpid() % 100000), "");
  REQUIRE(user.created());
  std::string environment = "CONTAINERS_CONF=" + shell_quote(*harness.containers_conf);
  auto info = user("podman info --format '{{.Host.Security.Rootless}}'", environment);
  if (info.exit_code != 0 || info.output.find("true") == std::string::npos)
    NANOFORGE_SKIP("rootless Podman does not run here: " + info.output);

  TempDir scratch("nanoforge-owner-rootless");
  fs::permissions(scratch.path(), fs::perms(0755));
  std::string image = load_example_image("cd / && " + user.prefix(environment) + " podman load -i", true, scratch.path());
  fs::path dir = user_deployment(scratch, user);
  auto nanoforge = [&](const std::string& arguments) {
    return user(shell_quote(nanoforge_binary()) + " " + arguments + " --dir " + shell_quote(dir.string()), environment);
  };
  // The file as rootless Podman needs it: the image's user, in a keep-id user namespace.
  auto composed = nanoforge("compose --json --engine podman --image " + image);
  INFO(composed.output);
  REQUIRE(composed.exit_code == 0);
  auto written = json::parse(composed.output.substr(composed.output.find('{')));
  CHECK(written["ownership"] == "rootless-keep-id");
  CHECK(written["user"] == "1000:1000");
  int alice_port = free_local_port(), bob_port = free_local_port();
  while (bob_port == alice_port) bob_port = free_local_port();
  const std::vector<std::pair<std::string, int>> instances = {{"alice", alice_port}, {"bob", bob_port}};
  for (const auto& [name, port] : instances)
    REQUIRE(nanoforge("instance create " + name + " " + std::to_string(port)).exit_code == 0);
  auto compose = read_text(dir / "docker-compose.yml");
  CHECK_THAT(compose, Catch::Contains("user: \"1000:1000\""));
  CHECK_THAT(compose, Catch::Contains("userns_mode: keep-id:uid=1000,gid=1000"));

  // Rootless Podman's own network needs /dev/net/tun, which this machine refuses; the
  // containers run on the host's network instead, each listening on its instance's port, with
  // everything else as the compose file says.
  struct Remove {
    const TestUser& user;
    std::string environment;
    ~Remove() { user("podman rm -f nftest-rootless-alice nftest-rootless-bob", environment); }
  } remove{user, environment};
  for (const auto& [name, port] : instances) {
    fs::path instance = dir / "instances" / name;
    auto config = json::parse(read_text(instance / "config/config.json"));
    config["gateway"]["port"] = port;
    config["channels"]["websocket"]["port"] = free_local_port();  // on the host's network too
    write_text(instance / "config/config.json", config.dump(2));
    std::string volumes;
    for (const auto& [host, container] : std::vector<std::pair<std::string, std::string>>{
             {(dir / "venv").string(), "/opt/venv:ro"},
             {(instance / "home").string(), "/data"},
             {(instance / "config").string(), "/data/.nanobot"},
             {(instance / "workspace").string(), "/data/workspace"},
             {(instance / ".env").string(), "/run/secrets/nanobot.env:ro"}})
      volumes += " -v " + shell_quote(host + ":" + container);
    auto started = user("podman run -d --name nftest-rootless-" + name +
                            " --userns=keep-id:uid=1000,gid=1000 --user 1000:1000 --network host --read-only --tmpfs /tmp" +
                            volumes + " " + image,
                        environment);
    INFO(started.output);
    REQUIRE(started.exit_code == 0);
  }
  for (const auto& [name, port] : instances) {
    bool healthy = wait_healthy("curl -sf http://127.0.0.1:" + std::to_string(port) + "/health", 60);
    INFO(user("podman logs nftest-rootless-" + name, environment).output);
    CHECK(healthy);
    // Inside it is uid 1000; on the host what it wrote is the user's own.
    CHECK(user("podman exec nftest-rootless-" + name + " id -u", environment).output == "1000\n");
    fs::path instance = dir / "instances" / name;
    for (const char* path : {"config/run/gateway.json", "config/sessions", "home/.local/share/nanobot", "config/config.json"})
      CHECK(owner_of(instance / path) == user.ids());
  }
}
