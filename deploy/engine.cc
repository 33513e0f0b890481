#include "deploy/engine.h"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "base/atomic_file.h"
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

ProcessResult run_engine_command(const std::vector<std::string>& argv, int timeout_seconds,
                                 const fs::path& directory) {
  ProcessOptions options = within_seconds(timeout_seconds, false);
  options.working_directory = directory;
  ProcessResult result = run_process(argv, options);
  if (result.timed_out)
    throw Error(join_command(argv) + " did not finish within " + std::to_string(timeout_seconds) +
                " s and was stopped: is the engine's daemon stuck?");
  return result;
}

namespace {

// A quick question to the engine.
ProcessResult query(const std::vector<std::string>& argv) { return run_engine_command(argv, kEngineQuerySeconds); }

Engine docker_engine(bool v2_only, bool v1_only) {
  if (!program_exists("docker"))
    throw Error("the docker client is not installed (no 'docker' in PATH)");
  if (!v1_only && query({"docker", "compose", "version"}).ok())
    return {EngineKind::docker, "docker", {"docker", "compose"}};
  if (!v2_only && program_exists("docker-compose"))
    return {EngineKind::docker, "docker", {"docker-compose"}};
  throw Error(v2_only ? "'docker compose' (the Compose v2 plugin) is not installed"
                      : "no compose tool for Docker: install the Compose plugin ('docker compose') or docker-compose");
}

Engine podman_engine() {
  if (!program_exists("podman")) throw Error("podman is not installed (no 'podman' in PATH)");
  if (!program_exists("podman-compose"))
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
  if (docker_daemon && program_exists("docker")) return docker_engine(false, false);
  if (program_exists("podman")) return podman_engine();
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
  ProcessResult result = run_engine_command(argv, kComposeOperationSeconds, root_);
  // podman-compose 1.0.3 reports failures of the podman commands it runs but exits 0; its
  // own "exit code:" lines are the only sign.
  bool podman_failed = engine_.kind == EngineKind::podman &&
                       (result.output.find("exit code: 125") != std::string::npos ||
                        result.errors.find("Error:") != std::string::npos);
  if (!result.ok() || podman_failed) {
    std::string message = result.errors.empty() ? result.output : result.errors;
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
    if (query({"podman", "network", "exists", network}).ok()) {
      ProcessResult removed = query({"podman", "network", "rm", "-f", network});
      if (!removed.ok()) throw Error("cannot remove the network " + network + ": " + removed.errors);
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

std::vector<std::string> ComposeProject::services_of(const std::vector<std::string>& instance_names) const {
  Deployment deployment(root_);
  std::vector<std::string> services;
  for (const auto& name : instance_names)
    for (auto& service : deployment.load_instance(name).services()) services.push_back(std::move(service));
  return services;
}

void ComposeProject::remove_container(const Instance& instance) const {
  // The engine's own `rm -f` works whatever the compose tool supports (v1 has no `down SERVICE`).
  // The API server's container too, whether or not the record still names it.
  for (const auto& container : {instance.container_name(), instance.api_container_name()}) {
    ProcessResult result = query({engine_.cli, "rm", "-f", container});
    if (!result.ok() && result.errors.find("No such container") == std::string::npos &&
        result.errors.find("no such container") == std::string::npos)
      throw Error("cannot remove container " + container + ": " + result.errors);
  }
}

int ComposeProject::logs(const std::vector<std::string>& services, bool follow, const std::string& tail) const {
  std::vector<std::string> args{"logs"};
  if (follow) args.push_back("-f");
  if (!tail.empty()) args.insert(args.end(), {"--tail", tail});
  args.insert(args.end(), services.begin(), services.end());
  // Attached to the terminal and without a time limit: `logs -f` runs until Ctrl-C.
  ProcessOptions options;
  options.inherit_output = true;
  options.working_directory = root_;
  return run_process(command(args), options).exit_code;
}

int ComposeProject::run_one_off(const std::string& service, const std::string& name,
                                const std::vector<std::string>& argv, bool tty) const {
  // A second compose file sets `restart: "no"` for this run: podman-compose passes the
  // service's restart policy to `podman run`, which would start the command again when it
  // ends. The container is kept after it ends (no --rm) so the engine can say how it ended:
  // podman-compose's `run` exits 0 whatever the command did. Both are removed here afterwards.
  const std::string one_off_file = root_ + "/.nanoforge-run-" + name + ".yml";
  YAML::Emitter override_yaml;
  override_yaml << YAML::BeginMap << YAML::Key << "services" << YAML::Value << YAML::BeginMap << YAML::Key
                << service << YAML::Value << YAML::BeginMap << YAML::Key << "restart" << YAML::Value
                << YAML::DoubleQuoted << "no" << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  write_file_atomically(one_off_file, std::string(override_yaml.c_str()) + "\n");
  struct RemoveFile {
    std::string path;
    ~RemoveFile() { ::unlink(path.c_str()); }
  } remove_file{one_off_file};
  std::vector<std::string> run_argv = engine_.compose;
  run_argv.insert(run_argv.end(), {"-f", root_ + "/docker-compose.yml", "-f", one_off_file, "-p", project_,
                                   "run", "--no-deps", "--name", name});
  if (!tty) run_argv.push_back("-T");
  run_argv.push_back(service);
  run_argv.insert(run_argv.end(), argv.begin(), argv.end());
  // Attached and without a time limit: an interactive login or chat runs as long as it needs.
  ProcessOptions options;
  options.inherit_output = true;
  options.inherit_input = true;
  options.working_directory = root_;
  int tool_exit = run_process(run_argv, options).exit_code;
  ProcessResult ended = query({engine_.cli, "inspect", "--format", "{{.State.ExitCode}}", name});
  query({engine_.cli, "rm", "-f", name});
  if (!ended.ok()) return tool_exit;  // no container was made: the tool's own failure
  try {
    return std::stoi(ended.output);
  } catch (const std::exception&) {
    return tool_exit;
  }
}

std::string ComposeProject::log_tail(const std::string& container, int lines) const {
  ProcessResult result = query({engine_.cli, "logs", "--tail", std::to_string(lines), container});
  if (!result.ok()) return "";
  return result.output + (result.output.empty() || result.output.back() == '\n' ? "" : "\n") + result.errors;
}

std::map<std::string, ContainerState> ComposeProject::container_states() const {
  std::map<std::string, ContainerState> states;
  ProcessResult listed = engine_.kind == EngineKind::podman ? query({"podman", "ps", "-a", "--format", "json"})
                                                           : query({engine_.cli, "ps", "-a", "--format", "{{json .}}"});
  if (!listed.ok()) throw Error(engine_.cli + " ps failed: " + listed.errors);

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
      for (const auto& container : json::parse(listed.output.empty() ? "[]" : listed.output)) record(container);
    } else {
      std::size_t start = 0;
      while (start < listed.output.size()) {
        auto end = listed.output.find('\n', start);
        if (end == std::string::npos) end = listed.output.size();
        if (end > start) record(json::parse(listed.output.substr(start, end - start)));
        start = end + 1;
      }
    }
  } catch (const json::exception& error) {
    throw Error(engine_.cli + " ps printed something that is not JSON: " + error.what());
  }
  return states;
}

namespace {

// One field of `image inspect`, by Go template; nothing when the engine has no such image.
std::optional<std::string> inspect_image(const std::string& cli, const std::string& image, const std::string& format) {
  ProcessResult inspected = query({cli, "image", "inspect", "--format", format, image});
  if (!inspected.ok()) return std::nullopt;
  std::string value = inspected.output;
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  return value;
}

}  // namespace

std::string ComposeProject::image_id(const std::string& image) const {
  return inspect_image(engine_.cli, image, "{{.Id}}").value_or("");
}

std::optional<std::string> ComposeProject::image_label(const std::string& image, const std::string& label) const {
  // `index` on a missing key prints "<no value>"; an image without labels fails the template.
  auto value = inspect_image(engine_.cli, image, "{{if .Config.Labels}}{{index .Config.Labels \"" + label + "\"}}{{end}}");
  if (value && *value == "<no value>") return std::string();
  return value;
}

}  // namespace nanoforge::deploy
