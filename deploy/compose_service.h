// One instance's compose service as yaml-cpp nodes, and the override merge (see compose.h for
// the file's shape and the merge rules). Inside deploy/ only: compose.h, the header builder/
// sees, keeps yaml-cpp out.
#pragma once
#include <filesystem>
#include <string>

#include <yaml-cpp/yaml.h>

#include "deploy/deployment.h"
#include "deploy/instance.h"
#include "deploy/ownership.h"

namespace nanoforge::deploy {

// What every service shares (the x-nanobot extension); the container's user (and user
// namespace) are the ownership mode's.
YAML::Node shared_service(const DeploymentSettings& settings, const Ownership& ownership);
// The keys only this instance's service has; none of them is in the shared part (restart
// only when it differs), so without an override they are exactly what follows `<<: *nanobot`.
// `secrets_version` (secrets_version() of its secrets file) becomes a label when not empty.
YAML::Node instance_fields(const Instance& instance, const DeploymentSettings& settings,
                           const std::string& secrets_version = "");
// The API server's service of an instance with an API port (`nanobot serve`): the gateway's
// keys with its own container name, command, port and healthcheck.
YAML::Node api_fields(const Instance& instance, const DeploymentSettings& settings,
                      const std::string& secrets_version = "");
// One instance's service, fully expanded (shared part included), before its override, in the
// ownership mode of this process with the settings' engine.
YAML::Node instance_service(const Instance& instance, const DeploymentSettings& settings,
                            const std::string& secrets_version = "");
// Merges `addition` into `service` (see above); `source` names the file for errors.
void merge_override(YAML::Node& service, const YAML::Node& addition, const std::string& source);
// Reads instances/NAME/docker-compose.override.yml; a null node when absent or only comments.
// Errors name the file, line and column.
YAML::Node load_override(const std::filesystem::path& file, const std::string& instance_name);

}  // namespace nanoforge::deploy
