#include "deploy/engine.h"

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "deploy/engine_process.h"
#include "base/error.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Engine::describe() const {
  std::string tool = join_command(compose);
  if (compose.size() == 2) tool += " (Compose v2)";
  else if (compose[0] == "docker-compose") tool += " (Compose v1)";
  return tool + " with " + cli;
}

namespace {

Engine docker_engine(bool v2_only, bool v1_only) {
  if (!program_in_path("docker"))
    throw Error("the docker client is not installed (no 'docker' in PATH)");
  if (!v1_only && run_captured({"docker", "compose", "version"}).ok())
    return {EngineKind::docker, "docker", {"docker", "compose"}};
  if (!v2_only && program_in_path("docker-compose"))
    return {EngineKind::docker, "docker", {"docker-compose"}};
  throw Error(v2_only ? "'docker compose' (the Compose v2 plugin) is not installed"
                      : "no compose tool for Docker: install the Compose plugin ('docker compose') or docker-compose");
}

Engine podman_engine() {
  if (!program_in_path("podman")) throw Error("podman is not installed (no 'podman' in PATH)");
  if (!program_in_path("podman-compose"))
    throw Error("podman-compose is not installed (needed to run the compose file with Podman)");
  return {EngineKind::podman, "podman", {"podman-compose"}};
}

}  // namespace

Engine detect_engine(const std::string& preference) {
  std::string choice = preference;
  if (choice.empty() || choice == "auto") {
    const char* from_environment = std::getenv("NANOFORGE_ENGINE");
    choice = from_environment && *from_environment ? from_environment : "auto";
  }
  if (choice == "docker") return docker_engine(false, false);
  if (choice == "docker-compose") return docker_engine(false, true);
  if (choice == "docker-compose-v2") return docker_engine(true, false);
  if (choice == "podman" || choice == "podman-compose") return podman_engine();
  if (choice != "auto")
    throw Error("unknown engine '" + choice + "': expected auto, docker, docker-compose, docker-compose-v2 or podman");
  const char* docker_host = std::getenv("DOCKER_HOST");
  bool docker_daemon = (docker_host && *docker_host) || fs::exists("/var/run/docker.sock");
  if (docker_daemon && program_in_path("docker")) return docker_engine(false, false);
  if (program_in_path("podman")) return podman_engine();
  throw Error("no container engine found: set DOCKER_HOST (or run dockerd) for Docker, or install "
              "podman and podman-compose; choose one with --engine");
}

ComposeProject::ComposeProject(Engine engine, const Deployment& deployment)
    : engine_(std::move(engine)), root_(deployment.root().string()) {
  DeploymentSettings settings = deployment.settings();
  project_ = settings.project;
  network_ = settings.network;
  if (!fs::exists(deployment.compose_file()))
    throw Error("no " + deployment.compose_file().string() + ": create an instance or run `nanoforge compose` first");
}

std::vector<std::string> ComposeProject::command(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = engine_.compose;
  argv.insert(argv.end(), {"-f", root_ + "/docker-compose.yml", "-p", project_});
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void ComposeProject::run_compose(const std::vector<std::string>& args) const {
  auto argv = command(args);
  ProcessResult result = run_captured(argv, root_);
  // podman-compose 1.0.3 reports failures of the podman commands it runs but exits 0; its
  // own "exit code:" lines are the only sign.
  bool podman_failed = engine_.kind == EngineKind::podman &&
                       (result.out.find("exit code: 125") != std::string::npos ||
                        result.err.find("Error:") != std::string::npos);
  if (!result.ok() || podman_failed) {
    std::string message = result.err.empty() ? result.out : result.err;
    throw Error(join_command(argv) + " failed (exit " + std::to_string(result.exit_code) + "):\n" + message);
  }
}

void ComposeProject::up(const std::vector<std::string>& services) const {
  std::vector<std::string> args{"up", "-d"};
  args.insert(args.end(), services.begin(), services.end());
  run_compose(args);
}

void ComposeProject::down() const {
  run_compose({"down"});
  if (engine_.kind == EngineKind::podman) {
    // podman-compose 1.0.3 leaves the project network behind.
    std::string network = project_ + "_" + network_;
    if (run_captured({"podman", "network", "exists", network}).ok()) {
      ProcessResult removed = run_captured({"podman", "network", "rm", "-f", network});
      if (!removed.ok()) throw Error("cannot remove the network " + network + ": " + removed.err);
    }
  }
}

void ComposeProject::start(const std::vector<std::string>& services) const {
  std::vector<std::string> args{"start"};
  args.insert(args.end(), services.begin(), services.end());
  run_compose(args);
}

void ComposeProject::stop(const std::vector<std::string>& services) const {
  std::vector<std::string> args{"stop"};
  args.insert(args.end(), services.begin(), services.end());
  run_compose(args);
}

void ComposeProject::restart(const std::vector<std::string>& services) const {
  std::vector<std::string> args{"restart"};
  args.insert(args.end(), services.begin(), services.end());
  run_compose(args);
}

void ComposeProject::remove_container(const Instance& instance) const {
  // The engine's own `rm -f` works whatever the compose tool supports (v1 has no `down SERVICE`).
  ProcessResult result = run_captured({engine_.cli, "rm", "-f", instance.container_name()});
  if (!result.ok() && result.err.find("No such container") == std::string::npos &&
      result.err.find("no such container") == std::string::npos)
    throw Error("cannot remove container " + instance.container_name() + ": " + result.err);
}

int ComposeProject::logs(const std::vector<std::string>& services, bool follow, const std::string& tail) const {
  std::vector<std::string> args{"logs"};
  if (follow) args.push_back("-f");
  if (!tail.empty()) args.insert(args.end(), {"--tail", tail});
  args.insert(args.end(), services.begin(), services.end());
  return run_attached(command(args), root_);
}

std::map<std::string, ContainerState> ComposeProject::container_states() const {
  std::map<std::string, ContainerState> states;
  ProcessResult listed = run_captured({engine_.cli, "ps", "-a", "--format", "{{json .}}"});
  if (engine_.kind == EngineKind::podman) listed = run_captured({"podman", "ps", "-a", "--format", "json"});
  if (!listed.ok()) throw Error(engine_.cli + " ps failed: " + listed.err);

  auto record = [&](const json& container) {
    std::string name;
    const json& names = container.contains("Names") ? container["Names"] : json();
    if (names.is_array() && !names.empty()) name = names[0].get<std::string>();
    else if (names.is_string()) name = names.get<std::string>();
    if (name.empty()) return;
    ContainerState state;
    state.state = container.value("State", "");
    std::string status = container.value("Status", "");
    // Docker's Status reads "Up 3 minutes (healthy)"; Podman's the same when it has checked.
    for (const char* health : {"(healthy)", "(unhealthy)", "(health: starting)", "(starting)"})
      if (status.find(health) != std::string::npos) {
        state.health = std::string(health).substr(1, std::string(health).size() - 2);
        if (state.health == "health: starting") state.health = "starting";
      }
    states[name] = state;
  };
  try {
    if (engine_.kind == EngineKind::podman) {
      for (const auto& container : json::parse(listed.out.empty() ? "[]" : listed.out)) record(container);
    } else {
      std::size_t start = 0;
      while (start < listed.out.size()) {
        auto end = listed.out.find('\n', start);
        if (end == std::string::npos) end = listed.out.size();
        if (end > start) record(json::parse(listed.out.substr(start, end - start)));
        start = end + 1;
      }
    }
  } catch (const json::exception& error) {
    throw Error(engine_.cli + " ps printed something that is not JSON: " + error.what());
  }
  return states;
}

}  // namespace nanoforge::deploy
