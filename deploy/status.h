// `nanoforge status`: each instance's container state, nanoforge's own /health probe on the
// published port (Podman runs no healthchecks here), and CPU / memory from the engine.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/deployment.h"
#include "deploy/engine.h"

namespace nanoforge::deploy {

struct InstanceStatus {
  std::string name;
  int port = 0;
  std::string state = "absent";  // the engine's: running, exited, paused, created... or absent
  std::string engine_health;      // the engine's healthcheck state, "" when it runs none
  std::string health = "-";       // nanoforge's probe: healthy | unhealthy | - (not running)
  // From the app's own log (app_log.h): the gateway answers but has no provider configured;
  // the reason it restarts or a channel failed, in upstream's words.
  bool provider_unconfigured = false;
  std::string reason;
  std::optional<double> cpu_percent;
  std::optional<std::uint64_t> memory_used;   // bytes
  std::optional<std::uint64_t> memory_limit;  // bytes
  // The API server (`nanobot serve`) of an instance with an API port: its container's state and
  // nanoforge's /health probe on its published port, as for the gateway.
  std::optional<int> webui_port;  // published WebUI, for the hint under a row
  std::optional<int> api_port;
  std::string api_state = "absent";
  std::string api_health = "-";
  bool ok() const {
    return state == "running" && health == "healthy" && (!api_port || (api_state == "running" && api_health == "healthy"));
  }
  // ready | provider-not-configured | api-unhealthy | api-STATE (the API server's container
  // is not running) | unhealthy | restarting | the engine's state (exited, created,
  // paused...) | absent.
  std::string condition() const;
};

// GET http://127.0.0.1:PORT/health answers 200 within the timeout.
bool probe_health(int port, long timeout_ms = 2000);

// "500KiB", "268.4MB", "1.5GiB" -> bytes; nullopt when unreadable.
std::optional<std::uint64_t> parse_memory_size(const std::string& text);

// Status of every instance of the deployment; `project` null when no engine is available.
// With an engine, the log tail of every instance that has a container is read (in parallel)
// for app_log.h's diagnosis.
std::vector<InstanceStatus> collect_status(const Deployment& deployment, const ComposeProject* project);

// The guide's table: "✓ alice  18790  running  healthy  0.50%  150.0MiB / 1.0GiB" ("!" for a
// healthy gateway without a provider, "✗" otherwise), with the app's reason under a row.
std::string format_status_table(const std::vector<InstanceStatus>& statuses);
nlohmann::json status_json(const std::vector<InstanceStatus>& statuses);

}  // namespace nanoforge::deploy
