// `instance check` and the gate before anything starts: each instance's config.json checked
// as upstream Nanobot would load it (nanobot_config_check.h), with the environment its
// container gets (the secrets file's variables, HOME, the proxies compose passes through).
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "deploy/deployment.h"
#include "deploy/nanobot_config_check.h"
#include "deploy/secrets_file.h"

namespace nanoforge::deploy {

// What the container's environment holds when Nanobot resolves `${VAR}`: compose's (HOME,
// HOST_GATEWAY, the proxies it passes through from this environment), then `secrets`, the
// secrets file's variables the entrypoint exports (the later of two with one name wins).
std::map<std::string, std::string> container_environment(const std::vector<SecretVariable>& secrets);

struct InstanceConfigCheck {
  std::string instance;
  std::filesystem::path file;  // instances/NAME/config/config.json, relative to the deployment
  ConfigCheck check;           // a missing config.json is the upstream default: ok
  std::string text() const;    // describe_issues() naming `file`, "instance NAME: " first
};

// Checks the instances named (all when `names` is empty), in that order. Throws
// nanoforge::Error only when a name is not an instance; every config fault is in the result.
std::vector<InstanceConfigCheck> check_instance_configs(const Deployment& deployment,
                                                        const std::vector<std::string>& names);

// The same check for one instance directory, staged or committed (`instance create` checks
// what it wrote before the instance appears); `name` labels the result.
InstanceConfigCheck check_instance_directory(const std::string& name, const std::filesystem::path& directory);

struct ConfigGate {
  std::vector<std::string> startable;  // the names to go on with (all checked ones when none failed)
  std::vector<std::string> skipped;    // instances left out by `skip_invalid`
  std::vector<std::string> warnings;   // one line each, naming instance, file and line (not the
                                       // empty-key and provider ones: `instance check` shows those)
};

// The check before compose, up, start and restart: an instance passes when its gateway
// would start (ConfigCheck::starts()). Throws nanoforge::Error listing every error of every
// failing instance, ending with `consequence` ("nothing was started"), unless
// `skip_invalid`, which leaves those out instead (and names them in `skipped` and
// `warnings`). `names` empty means every instance.
ConfigGate gate_instance_configs(const Deployment& deployment, const std::vector<std::string>& names,
                                 bool skip_invalid, const std::string& consequence);

}  // namespace nanoforge::deploy
