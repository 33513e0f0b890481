// The container engine and compose tool that run the deployment: `docker compose` (v2),
// `docker-compose` (v1) or `podman-compose` with Podman. DOCKER_HOST and CONTAINERS_CONF
// pass through from the environment to every tool nanoforge runs.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/subprocess.h"
#include "deploy/deployment.h"

namespace nanoforge::deploy {

enum class EngineKind { docker, podman };

// How long an engine call may run before nanoforge stops waiting and says the engine is stuck
// (a hung daemon must not hang `status`). Queries (ps, stats, inspect, network, rm, version)
// answer in well under a second on a healthy engine; compose operations stop containers
// (10 s each at worst, in parallel) and start them.
constexpr int kEngineQuerySeconds = 60;
constexpr int kComposeOperationSeconds = 600;

// Runs one engine or compose command (no shell) in `directory`, stdout and stderr apart.
// A non-zero exit is a result; throws nanoforge::Error naming the command when it cannot start
// or when it runs longer than `timeout_seconds`.
ProcessResult run_engine_command(const std::vector<std::string>& argv, int timeout_seconds,
                                 const std::filesystem::path& directory = {});

struct Engine {
  EngineKind kind = EngineKind::docker;
  std::string cli;                   // "docker" | "podman"
  std::vector<std::string> compose;  // {"docker","compose"} | {"docker-compose"} | {"podman-compose"}
  std::string describe() const;      // "docker-compose (Compose v1) with docker"
};

// `preference`: "auto", "docker", "podman", "docker-compose", "podman-compose", "docker-compose-v2";
// empty means $NANOFORGE_ENGINE, else auto (Docker when DOCKER_HOST is set or
// /var/run/docker.sock exists, else Podman). Throws naming what is missing.
Engine detect_engine(const std::string& preference = "");

// What the engine says about one instance's container.
struct ContainerState {
  std::string state;   // running | exited | paused | created | restarting | "" (no container)
  std::string health;  // the engine's healthcheck state when it runs one ("healthy", ...), else ""
};

// The deployment's compose project on an engine.
class ComposeProject {
 public:
  ComposeProject(Engine engine, const Deployment& deployment);

  const Engine& engine() const { return engine_; }
  // compose -f docker-compose.yml -p PROJECT <args...>
  std::vector<std::string> command(const std::vector<std::string>& args) const;

  // Each throws nanoforge::Error with the tool's own message when it fails.
  void up(const std::vector<std::string>& services) const;
  void down() const;
  void start(const std::vector<std::string>& services) const;
  void stop(const std::vector<std::string>& services) const;
  void restart(const std::vector<std::string>& services) const;
  // The compose services of these instances (Instance::services: the gateway's, and the API
  // server's where there is one), in order; empty stays empty (compose's "all").
  std::vector<std::string> services_of(const std::vector<std::string>& instance_names) const;
  // Stops and removes one instance's containers (delete).
  void remove_container(const Instance& instance) const;
  // `compose run --no-deps --name NAME SERVICE ARGV...`: a one-off container with the
  // service's image, volumes, environment, user and network but no published ports, so it runs
  // beside the service's own container or without it; removed when it ends. Attached to the
  // terminal (stdin too); `tty` false adds -T (no pseudo-terminal: output is piped). Returns
  // the command's exit code, as the engine recorded it.
  int run_one_off(const std::string& service, const std::string& name, const std::vector<std::string>& argv,
                  bool tty) const;
  // Streams logs to the terminal; returns the tool's exit code.
  int logs(const std::vector<std::string>& services, bool follow, const std::string& tail) const;

  // Container state by container name (nanobot-NAME), for all containers on the engine.
  std::map<std::string, ContainerState> container_states() const;
  // The last `lines` lines the container wrote, stdout then stderr (`logs --tail`); "" when the
  // engine cannot say (no such container).
  std::string log_tail(const std::string& container, int lines) const;
  // The engine's ID of a local image ("sha256:..."), or "" when the engine has no such image.
  std::string image_id(const std::string& image) const;
  // The value of a local image's label ("" when the image has no such label), or nothing when
  // the engine has no such image or cannot say.
  std::optional<std::string> image_label(const std::string& image, const std::string& label) const;

 private:
  void run_compose(const std::vector<std::string>& args) const;
  Engine engine_;
  std::string root_;
  std::string project_;
  std::string network_;
};

}  // namespace nanoforge::deploy
