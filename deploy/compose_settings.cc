#include "deploy/compose_settings.h"

#include "base/atomic_file.h"
#include "base/container_contract.h"
#include "base/error.h"
#include "deploy/compose.h"
#include "deploy/instance_check.h"
#include "deploy/instance.h"
#include "deploy/secrets_file.h"

namespace nanoforge::deploy {

namespace {

// "docker" or "podman" for a name --engine takes; the tools need not be installed to write a
// file for them.
std::string engine_kind(const std::string& name) {
  if (name == "docker" || name == "docker-compose" || name == "docker-compose-v2") return "docker";
  if (name == "podman" || name == "podman-compose") return "podman";
  throw Error("unknown engine '" + name + "': expected docker, docker-compose, docker-compose-v2, podman or "
              "podman-compose");
}

}  // namespace

ComposeWritten write_compose_with(const Deployment& deployment, const SettingsChange& change, bool skip_invalid) {
  const DeploymentSettings previous = deployment.settings();
  DeploymentSettings settings = previous;
  if (!change.mode.empty()) {
    RuntimeMode mode = parse_runtime_mode(change.mode);
    const std::string mounted_default = "nanobot:latest";
    const std::string full_default = contract::full_image_name("nanobot") + ":latest";
    // The self-contained image carries the venv; keep the user's image unless they gave none.
    if (mode != settings.mode && change.image.empty() &&
        (settings.image == mounted_default || settings.image == full_default))
      settings.image = mode == RuntimeMode::mounted ? mounted_default : full_default;
    settings.mode = mode;
  }
  if (!change.image.empty()) {
    validate_image_reference(change.image);  // compose would expand a $ in it
    settings.image = change.image;
  }
  if (!change.publish.empty()) {
    validate_publish_address(change.publish);
    settings.publish_address = change.publish;
  }
  if (!change.project.empty()) settings.project = project_name_for(change.project);
  if (!change.engine.empty()) settings.engine = engine_kind(change.engine);
  bool changed = !change.mode.empty() || !change.image.empty() || !change.publish.empty() || !change.project.empty() ||
                 !change.engine.empty();

  // Render before saving anything: a broken instance fails the command with nothing changed.
  auto instances = deployment.load_instances();
  ComposeWritten written{settings, instances.size(), check_instance_secrets(deployment, {}), {}};
  ConfigGate gate = gate_instance_configs(deployment, {}, skip_invalid, "docker-compose.yml was not written");
  written.warnings.insert(written.warnings.end(), gate.warnings.begin(), gate.warnings.end());
  written.invalid = gate.skipped;
  if (!changed) {
    write_file_atomically(deployment.compose_file(), render_compose(deployment, instances));
    refresh_instance_info(deployment, instances);
    return written;
  }
  deployment.save_settings(settings);
  try {
    write_file_atomically(deployment.compose_file(), render_compose(deployment, instances));
  } catch (...) {
    deployment.save_settings(previous);
    throw;
  }
  refresh_instance_info(deployment, instances);
  return written;
}

}  // namespace nanoforge::deploy
