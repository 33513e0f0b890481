#include "deploy/instance_exec.h"

#include <filesystem>

#include "base/error.h"
#include "base/random_suffix.h"
#include "deploy/compose.h"
#include "deploy/ownership.h"
#include "deploy/secrets_file.h"

namespace nanoforge::deploy {

int exec_in_instance(const Deployment& deployment, const Engine& engine, const std::string& name,
                     const std::vector<std::string>& argv, bool tty) {
  if (argv.empty()) throw Error("instance exec " + name + ": no command given (e.g. -- nanobot agent -m hello)");
  Instance instance = deployment.load_instance(name);
  check_instance_secrets(deployment, {name});
  prepare_writable_state(deployment.instance_dir(name), deployment_ownership(deployment));
  if (!std::filesystem::exists(deployment.compose_file())) write_compose(deployment);
  ComposeProject project(engine, deployment);
  // A name of its own: the service's container_name belongs to the running gateway.
  return project.run_one_off(name, instance.container_name() + "-exec-" + random_suffix().substr(0, 8), argv, tty);
}

}  // namespace nanoforge::deploy
