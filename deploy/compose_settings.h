// `nanoforge compose`: the deployment's settings changed (image, mode, publish address,
// project name) and docker-compose.yml written in one step, or neither.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "deploy/deployment.h"

namespace nanoforge::deploy {

// What to change; an empty field keeps the saved setting.
struct SettingsChange {
  std::string image;    // a compose-safe reference (validate_image_reference)
  std::string mode;     // "mounted" | "self-contained"
  std::string publish;  // an address ports are published on (validate_publish_address)
  std::string project;  // a directory-like name, made compose-safe by project_name_for
  // The engine the file is for, as --engine names it (docker, docker-compose,
  // docker-compose-v2, podman, podman-compose); `up` records the one it uses anyway. Rootless
  // Podman renders differently (ownership.h).
  std::string engine;
};

struct ComposeWritten {
  DeploymentSettings settings;        // as saved
  std::size_t instances = 0;          // services written
  std::vector<std::string> warnings;  // from the instances' secrets files (check_instance_secrets)
                                      // and config.json files (gate_instance_configs)
  std::vector<std::string> invalid;   // instances whose config.json would not load (with skip_invalid)
};

// Validates `change`, renders docker-compose.yml from every instance with the new settings,
// then saves the settings and replaces the file; when writing fails the old settings are put
// back. A change of mode with no image given switches the default image with it
// (nanobot:latest <-> nanobot-full:latest: the self-contained image carries the venv).
// The caller holds the DeploymentLock. Throws nanoforge::Error naming the bad value, instance
// file or secrets line, or listing every config.json error (unless `skip_invalid`: those
// instances are still written, and named in `invalid`); nothing is changed then.
ComposeWritten write_compose_with(const Deployment& deployment, const SettingsChange& change,
                                  bool skip_invalid = false);

}  // namespace nanoforge::deploy
