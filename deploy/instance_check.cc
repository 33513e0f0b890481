#include "deploy/instance_check.h"

#include <cstdlib>
#include <map>
#include <sstream>

#include "base/error.h"
#include "base/atomic_file.h"
#include "base/container_contract.h"
#include "deploy/secrets_file.h"
#include "deploy/venv_webui.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;

namespace {

// A secrets file that cannot be read is reported by check_instance_secrets; here it is empty.
std::vector<SecretVariable> readable_secrets(const fs::path& secrets) {
  try {
    return read_secrets_file(secrets, secrets.string()).variables;
  } catch (const Error&) {
    return {};
  }
}

}  // namespace

std::map<std::string, std::string> container_environment(const std::vector<SecretVariable>& secrets) {
  std::map<std::string, std::string> environment{{"HOME", "/data"},
                                                 {contract::kHostGatewayVariable, contract::kDockerHostName}};
  for (const char* name : contract::kProxyVariables)
    if (const char* value = std::getenv(name); value && *value) environment[name] = value;
  for (const auto& variable : secrets) environment[variable.name] = variable.value;  // the later line wins
  return environment;
}

std::string InstanceConfigCheck::text() const {
  std::string described = describe_issues(check, file.string());
  std::istringstream lines(described);
  std::string result, line;
  while (std::getline(lines, line)) result += "instance " + instance + ": " + line + "\n";
  return result;
}

std::vector<InstanceConfigCheck> check_instance_configs(const Deployment& deployment,
                                                        const std::vector<std::string>& names) {
  std::vector<InstanceConfigCheck> checks;
  for (const auto& name : names.empty() ? deployment.instance_names() : names) {
    if (!deployment.has_instance(name)) throw Error("no instance '" + name + "' in " + deployment.root().string());
    checks.push_back(check_instance_directory(name, deployment.instance_dir(name)));
    // What the instance's other parts need (only for a config.json that reads: loading the
    // instance parses it, and a broken one is reported already).
    ConfigCheck& check = checks.back().check;
    if (check.stage == ConfigStage::invalid_json) continue;
    Instance instance;
    try {
      instance = deployment.load_instance(name);
    } catch (const Error&) {
      continue;  // a broken instance.json: every command that reads the record says where
    }
    // A published WebUI needs the bundle in the venv every container mounts.
    if (auto missing = instance.webui_port ? missing_webui_bundle(deployment) : std::nullopt) {
      check.issues.insert(check.issues.begin(), {true, ConfigStage::gateway, "channels.websocket", *missing, 0});
      if (check.stage == ConfigStage::ok) check.stage = ConfigStage::gateway;
    }
    // `nanobot serve` builds its agent at start and exits without a provider, where the
    // gateway would wait for one in the WebUI: the API server's container would restart forever.
    if (instance.api_port)
      for (const auto& issue : std::vector<ConfigIssue>(check.issues))
        if (!issue.error && issue.stage == ConfigStage::provider) {
          check.issues.insert(check.issues.begin(),
                              {true, ConfigStage::provider, "",
                               "the API server (nanobot serve, port " + std::to_string(*instance.api_port) +
                                   ") exits without a model provider: " + issue.message.substr(0, issue.message.find(". ") + 1) +
                                   " Set the provider's key in instances/" + name + "/.env.",
                               0});
          if (check.stage == ConfigStage::ok) check.stage = ConfigStage::provider;
          break;
        }
  }
  return checks;
}

InstanceConfigCheck check_instance_directory(const std::string& name, const fs::path& directory) {
  InstanceConfigCheck result;
  result.instance = name;
  result.file = fs::path("instances") / name / instance_files::kConfig;
  // No config.json: Nanobot runs on its defaults (loader.load_config), so does the check.
  auto text = read_file_if_exists(directory / instance_files::kConfig);
  result.check = check_nanobot_config(text.value_or("{}"),
                                      container_environment(readable_secrets(directory / instance_files::kSecrets)));
  if (!text)
    result.check.issues.insert(result.check.issues.begin(),
                               {false, ConfigStage::invalid_json, "",
                                "the file does not exist, so Nanobot starts on its defaults (and writes them there); "
                                "restore it from a backup, or recreate the instance",
                                0});
  return result;
}

ConfigGate gate_instance_configs(const Deployment& deployment, const std::vector<std::string>& names,
                                 bool skip_invalid, const std::string& consequence) {
  ConfigGate gate;
  std::string errors;
  std::size_t failing = 0;
  for (const auto& checked : check_instance_configs(deployment, names)) {
    // Warnings that change what the instance does (a misspelt key, a channel section its
    // channel will refuse); "no key yet" is the state `instance create` leaves and `status`
    // reports, so the empty-secret and provider warnings are left to `instance check`.
    for (const auto& issue : checked.check.issues)
      if (!issue.error && issue.stage != ConfigStage::missing_env && issue.stage != ConfigStage::provider) {
        ConfigCheck one;
        one.issues = {issue};
        InstanceConfigCheck warning{checked.instance, checked.file, one};
        std::string line = warning.text();
        if (!line.empty() && line.back() == '\n') line.pop_back();
        gate.warnings.push_back(line);
      }
    if (checked.check.starts()) {
      gate.startable.push_back(checked.instance);
      continue;
    }
    ++failing;
    ConfigCheck only_errors = checked.check;
    std::erase_if(only_errors.issues, [](const ConfigIssue& issue) { return !issue.error; });
    errors += InstanceConfigCheck{checked.instance, checked.file, only_errors}.text();
    gate.skipped.push_back(checked.instance);
  }
  if (failing > 0 && !skip_invalid)
    throw Error(std::to_string(failing) + (failing == 1 ? " instance" : " instances") +
                " would not start as configured (config.json, .env or the venv); " + consequence + ":\n" + errors +
                "Fix what each line names (`nanoforge instance check` checks again), or pass --skip-invalid to go on "
                "with the others.");
  for (const auto& name : gate.skipped)
    gate.warnings.push_back("instance " + name + ": would not start as configured (`nanoforge instance check " + name +
                            "` shows why)");
  return gate;
}

}  // namespace nanoforge::deploy
