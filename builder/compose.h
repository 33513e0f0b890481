// docker-compose.yml from the instance model, emitted with yaml-cpp.
//
// Shape: a top-level `x-nanobot: &nanobot` extension holds what every service shares (image,
// user, read-only root, dropped capabilities, healthcheck, network...), and each service
// `<<: *nanobot` merges it and adds only what differs (its volumes, ports, env_file, limits).
// yaml-cpp emits anchors, aliases and the `<<` key as plain YAML; Compose (v1, v2 and
// podman-compose) resolves the merge key itself. Services are computed fully expanded first
// (base + instance + override), so whatever differs from the base is written explicitly and
// the merged result is exactly the expanded service.
//
// User additions live in instances/NAME/docker-compose.override.yml, never rewritten:
// either a bare service mapping or a compose file with `services: {NAME: ...}`. It is merged
// into that instance's service on every emit: mappings merge recursively, lists append the
// entries not already present, scalars replace.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "builder/deployment.h"
#include "builder/instance.h"

namespace nanoforge::builder {

// What every service shares (the x-nanobot extension).
YAML::Node shared_service(const DeploymentSettings& settings);
// One instance's service, fully expanded (shared part included), before its override.
YAML::Node instance_service(const Instance& instance, const DeploymentSettings& settings);
// Merges `addition` into `service` (see above); `source` names the file for errors.
void merge_override(YAML::Node& service, const YAML::Node& addition, const std::string& source);
// Reads instances/NAME/docker-compose.override.yml; a null node when absent or only comments.
// Errors name the file, line and column.
YAML::Node load_override(const std::filesystem::path& file, const std::string& instance_name);

// The whole file. Reads each instance's override from the deployment.
std::string render_compose(const Deployment& deployment, const std::vector<Instance>& instances);
// Loads settings and instances (a broken instance.json or config.json fails with its name and
// line, before anything is written), renders, and replaces docker-compose.yml atomically.
void write_compose(const Deployment& deployment);

}  // namespace nanoforge::builder
