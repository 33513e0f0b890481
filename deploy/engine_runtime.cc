#include "deploy/engine_runtime.h"

#include <filesystem>

#include "base/error.h"

namespace nanoforge::deploy {

bool EngineRuntime::is_running(const std::string& name) {
  if (!states_) states_ = project_.container_states();
  auto found = states_->find(container_name_of(name));
  return found != states_->end() && found->second.state == "running";
}

void EngineRuntime::stop(const std::vector<std::string>& names) {
  project_.stop(project_.services_of(names));
  states_.reset();
}

void EngineRuntime::start(const std::vector<std::string>& names) {
  project_.start(project_.services_of(names));
  states_.reset();
}

std::unique_ptr<ComposeProject> project_if_available(const Deployment& deployment,
                                                     const std::string& engine_preference, std::string* why_not) {
  try {
    if (!std::filesystem::exists(deployment.compose_file())) {
      if (why_not) *why_not = "no " + deployment.compose_file().string() + " yet";
      return nullptr;
    }
    auto project = std::make_unique<ComposeProject>(detect_engine(engine_preference), deployment);
    project->container_states();  // the engine answers
    return project;
  } catch (const Error& error) {
    if (why_not) *why_not = error.what();
    return nullptr;
  }
}

}  // namespace nanoforge::deploy
