// docker-compose.yml from the instance model: yaml-cpp nodes (compose_service.h), emitted by yaml-cpp. Names and
// strings go through yaml_safe_scalar.h: quoted whenever some YAML 1.1 or 1.2 reader would read
// them as a boolean, number, null or date (an instance named `yes` or `123`).
//
// Shape: a top-level `x-nanobot: &nanobot` extension holds what every service shares (image,
// user, read-only root, dropped capabilities, healthcheck, network...), and each service
// `<<: *nanobot` merges it and adds only what differs (its volumes, ports, limits). The
// instance's secrets file is one of its volumes, read by the image's entrypoint, never by
// the compose tool (secrets_file.h).
// The anchor, the alias and the `<<` key are plain YAML; Compose (v1, v2 and podman-compose)
// resolves the merge key itself. A service with an override is computed fully expanded
// (base + instance + override), so whatever differs from the base is written explicitly and
// the merged result is exactly the expanded service; one without is just its own keys.
//
// A service whose inputs (record, override, shared settings) are those of the last emit is
// taken from it as text (rendered_services.h) instead of being rendered again.
//
// User additions live in instances/NAME/docker-compose.override.yml, never rewritten:
// either a bare service mapping or a compose file with `services: {NAME: ...}`. It is merged
// into that instance's service on every emit: mappings merge recursively, lists append the
// entries not already present, scalars replace.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "deploy/deployment.h"
#include "deploy/instance.h"

namespace nanoforge::deploy {

// The whole file. Reads each instance's override (and its secrets file's version) from the
// deployment, or from `staged_dirs[NAME]` for an instance not yet moved into place, takes
// unchanged services from the last emit and leaves this emit's services for the next
// (rendered_services.h).
std::string render_compose(const Deployment& deployment, const std::vector<Instance>& instances,
                           const std::map<std::string, std::filesystem::path>& staged_dirs = {});
// Loads settings and instances (a broken instance.json or config.json fails with its name and
// line, before anything is written), renders, and replaces docker-compose.yml atomically.
void write_compose(const Deployment& deployment);
// Rewrites each instance's INSTANCE_INFO.txt where it no longer matches the instance as loaded
// (its config.json changed). Throws nanoforge::Error naming a file it cannot write.
void refresh_instance_info(const Deployment& deployment, const std::vector<Instance>& instances);

}  // namespace nanoforge::deploy
