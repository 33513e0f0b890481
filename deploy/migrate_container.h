// `instance migrate`: what in a host's Nanobot config.json cannot work in nanoforge's
// container, and the change that makes it work. The container runs the runtime image (no
// Node.js, uv, container engine or bubblewrap; a read-only root), sees only its /data (HOME),
// /data/.nanobot (the data directory) and /data/workspace, and is reached through published
// ports, which arrive on the container's own interface, never on its loopback.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/migrate_source.h"

namespace nanoforge::deploy {

// The value of setting `name` in `object` however it is spelt (Nanobot accepts camelCase and
// snake_case for every setting, config_base.py alias_generator); null when absent or when
// `object` is not an object.
const nlohmann::json* find_setting(const nlohmann::json& object, std::string_view name);

// Settings the container layout decides, made so in `config` (the Nanobot schema form):
// agents.defaults.workspace = "/data/workspace", gateway.host = "0.0.0.0" (published ports
// reach the health endpoint only there), gateway.port = 18790 (the container contract; the
// host port is the instance's). Returns a warning for each value the user had set otherwise.
std::vector<std::string> apply_container_layout(nlohmann::json& config);

// Warnings, each with the change that makes the setting work, for settings of `config` that
// cannot work in the container (nothing is changed): the WebSocket/WebUI channel on a
// loopback host (upstream's default 127.0.0.1 included) while the channel is on;
// tools.exec.sandbox "bwrap"; MCP servers started with a program the runtime image lacks
// (npx, node, uvx, docker, ...; the table is in migrate_container.cc); URLs to this host's
// loopback (a local model server as providers.*.apiBase), which in the container is its own.
std::vector<std::string> container_setting_warnings(const nlohmann::json& config);

struct HostPathFit {
  std::vector<std::string> rewritten;  // "PATH: OLD -> NEW" for host paths now in the instance
  std::vector<std::string> warnings;   // host paths the container cannot see
};

// Every string of `config` that is a host path ("/..." or "~..."; not "/data...", which is
// already the container's, not a "${VAR}", and not at a key naming a URL or URL path such as
// `path`, `tokenIssuePath`, `...Url`): resolved as migrate_source.h says, rewritten to the
// container's path when it lies in the migrated trees, reported otherwise. `config` must
// already have agents.defaults.workspace set to the container's.
HostPathFit fit_host_paths(nlohmann::json& config, const SourceHome& source, const InstanceLayoutMap& layout);

}  // namespace nanoforge::deploy
