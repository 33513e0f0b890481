#include "deploy/lifecycle.h"

#include <optional>

#include "base/container_contract.h"
#include "base/error.h"
#include "deploy/compose.h"
#include "deploy/engine.h"
#include "deploy/instance_check.h"
#include "deploy/ownership.h"
#include "deploy/secrets_file.h"

namespace nanoforge::deploy {

namespace {

constexpr std::pair<LifecycleVerb, const char*> kVerbs[] = {{LifecycleVerb::up, "up"},
                                                            {LifecycleVerb::start, "start"},
                                                            {LifecycleVerb::stop, "stop"},
                                                            {LifecycleVerb::restart, "restart"},
                                                            {LifecycleVerb::down, "down"}};

// An image whose entrypoint predates the secrets file would start the app without its keys.
std::optional<std::string> image_ignores_secrets(const ComposeProject& project, const std::string& image) {
  auto label = project.image_label(image, contract::kSecretsImageLabel);
  if (!label) return std::nullopt;  // not pulled yet, or the engine cannot say: nothing to tell
  if (label->find(contract::kSecretsMountPoint) != std::string::npos) return std::nullopt;
  return "the image " + image + " has no " + contract::kSecretsImageLabel + " label: its entrypoint predates the " +
         "secrets file, so the instances' .env variables will not reach the app; rebuild the image " +
         "(nanoforge build, or docker build -f Dockerfile.multi-instance) and run nanoforge up again";
}

}  // namespace

LifecycleVerb parse_lifecycle_verb(const std::string& verb) {
  for (const auto& [value, name] : kVerbs)
    if (verb == name) return value;
  throw Error("unknown lifecycle command '" + verb + "' (up, start, stop, restart or down)");
}

const char* to_string(LifecycleVerb verb) {
  for (const auto& [value, name] : kVerbs)
    if (verb == value) return name;
  return "?";
}

LifecycleResult run_lifecycle(const Deployment& deployment, LifecycleVerb verb, const std::vector<std::string>& requested,
                              const std::string& engine_preference, bool skip_invalid) {
  for (const auto& name : requested) deployment.load_instance(name);  // exists, readable
  LifecycleResult result;
  std::vector<std::string> names = requested;
  bool starts = verb == LifecycleVerb::up || verb == LifecycleVerb::start || verb == LifecycleVerb::restart;
  // Nothing starts with a half-read secret: every bad line fails here, naming it.
  if (starts) result.warnings = check_instance_secrets(deployment, names);
  // Nor with a config.json Nanobot would refuse (it would restart forever).
  if (starts) {
    ConfigGate gate = gate_instance_configs(deployment, names, skip_invalid, "nothing was started");
    result.warnings.insert(result.warnings.end(), gate.warnings.begin(), gate.warnings.end());
    result.skipped = gate.skipped;
    if (!gate.skipped.empty()) {
      if (gate.startable.empty()) throw Error("no instance left to " + std::string(to_string(verb)) + ": every one named has an invalid config.json");
      names = gate.startable;
    }
  }
  Engine engine = detect_engine(engine_preference);
  if (verb == LifecycleVerb::up) {
    // Rootless Podman renders differently (ownership.h): the file follows the engine in use.
    DeploymentSettings settings = deployment.settings();
    std::string kind = engine.kind == EngineKind::podman ? "podman" : "docker";
    if (settings.engine != kind) {
      settings.engine = kind;
      deployment.save_settings(settings);
    }
  }
  if (starts) {
    // Instances made before HOME was writable, restored from another host or edited as root
    // get what their container needs to write.
    Ownership ownership = deployment_ownership(deployment);
    for (const auto& name : names.empty() ? deployment.instance_names() : names)
      prepare_writable_state(deployment.instance_dir(name), ownership);
  }
  if (verb == LifecycleVerb::up) write_compose(deployment);  // picks up overrides and hand edits, or fails here
  ComposeProject project(engine, deployment);
  result.engine = project.engine().describe();
  if (starts)
    if (auto warning = image_ignores_secrets(project, deployment.settings().image)) result.warnings.push_back(*warning);
  const std::vector<std::string> services = project.services_of(names);
  switch (verb) {
    case LifecycleVerb::up: project.up(services); break;
    case LifecycleVerb::start: project.start(services); break;
    case LifecycleVerb::stop: project.stop(services); break;
    case LifecycleVerb::restart: project.restart(services); break;
    case LifecycleVerb::down: project.down(); break;
  }
  return result;
}

}  // namespace nanoforge::deploy
