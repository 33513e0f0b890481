#include "deploy/instance_config.h"

#include <algorithm>
#include <sstream>

#include "deploy/nanobot_schema.h"
#include "deploy/secrets_file.h"

namespace nanoforge::deploy {

using nlohmann::json;

namespace {

// providers.<key>: the key upstream writes for a built-in ("lm_studio" -> "lmStudio"), a
// custom provider's name as given.
std::string provider_key(const std::string& provider) {
  const nanobot::ProviderSpec* spec = nanobot::NanobotSchema::upstream().find_provider(provider);
  return spec ? spec->config_key : provider;
}

}  // namespace

json nanobot_config(const Instance& instance) {
  const ModelSetup& setup = instance.setup;
  json config;
  // The model as a preset (schema.py ModelPresetConfig), which the WebUI lists and switches;
  // agents.defaults keeps the same model for readers that know no presets.
  json main = {{"model", instance.model},
               {"provider", instance.provider},
               {"temperature", setup.temperature},
               {"maxTokens", setup.max_tokens}};
  if (setup.context_window) main["contextWindowTokens"] = *setup.context_window;
  config["modelPresets"]["main"] = main;
  config["agents"]["defaults"] = {{"workspace", "/data/workspace"},
                                  {"modelPreset", "main"},
                                  {"model", instance.model},
                                  {"temperature", setup.temperature},
                                  {"maxTokens", setup.max_tokens}};
  json provider = json::object();
  if (setup.needs_key) provider["apiKey"] = "${" + instance.api_key_env + "}";
  if (!setup.api_base.empty()) provider["apiBase"] = setup.api_base;
  config["providers"][provider_key(instance.provider)] = provider;
  json fallback_names = json::array();
  for (std::size_t i = 0; i < setup.fallbacks.size(); ++i) {
    const auto& fallback = setup.fallbacks[i];
    std::string name = "fallback-" + std::to_string(i + 1);
    config["modelPresets"][name] = {{"model", fallback.model}, {"provider", fallback.provider}};
    fallback_names.push_back(name);
    std::string key = provider_key(fallback.provider);
    if (!config["providers"].contains(key)) {
      config["providers"][key] = json::object();
      if (!fallback.api_key_env.empty()) config["providers"][key]["apiKey"] = "${" + fallback.api_key_env + "}";
      if (!fallback.api_base.empty()) config["providers"][key]["apiBase"] = fallback.api_base;
    }
  }
  if (!fallback_names.empty()) config["agents"]["defaults"]["fallbackModels"] = fallback_names;
  config["gateway"] = {{"host", "0.0.0.0"}, {"port", contract::kGatewayPort}};
  if (instance.webui_port) {
    // Published ports arrive on the container's own interface, so the channel listens on all
    // of them; upstream refuses 0.0.0.0 without a secret (channels/websocket/runtime.py), and
    // the browser exchanges this one for short-lived tokens (webui/ws_http.py bootstrap).
    config["channels"]["websocket"] = {{"enabled", true},
                                       {"host", "0.0.0.0"},
                                       {"port", contract::kWebuiPort},
                                       {"tokenIssueSecret", std::string("${") + kWebTokenVariable + "}"},
                                       {"websocketRequiresToken", true}};
  }
  if (instance.api_port) {
    // `nanobot serve` in the instance's second container; upstream refuses a non-loopback
    // host without a key (config/schema.py ApiConfig, cli/commands.py serve).
    config["api"] = {{"host", "0.0.0.0"},
                     {"port", contract::kApiPort},
                     {"apiKey", std::string("${") + kApiKeyVariable + "}"}};
  }
  // As upstream's own container template: the agent's file and shell tools stay inside the
  // workspace. Installing packages from a remote WebUI stays off (upstream's default, written
  // so a changed default cannot turn it on): the shared venv is read-only in every container.
  config["tools"] = {{"restrictToWorkspace", true}, {"webuiAllowRemotePackageInstall", false}};
  return config;
}

std::string agents_md(const Instance& instance) {
  std::ostringstream out;
  out << "# Agents\n\n"
      << "Instructions for the Nanobot instance '" << instance.name << "'.\n\n"
      << "- Your personality is described in SOUL.md; follow it.\n"
      << "- Keep long-term notes in memory/ and reusable procedures in skills/.\n"
      << "- Your files live under /data/workspace. HOME (/data) and the config directory (/data/.nanobot)\n"
      << "  hold the app's own state; the rest of the system is read-only.\n";
  return out.str();
}

std::string instance_info(const Instance& instance, const DeploymentSettings& settings) {
  std::ostringstream out;
  out << "Nanobot instance: " << instance.name << "\n"
      << "Container:        " << instance.container_name() << "\n"
      << "Gateway:          http://" << settings.publish_address << ":" << instance.port << " ("
      << instance.gateway_port_inside << " inside)\n";
  if (instance.webui_port)
    out << "WebUI:            http://" << settings.publish_address << ":" << *instance.webui_port << " ("
        << instance.webui_port_inside << " inside)\n";
  out << "Model:            " << instance.model << (instance.preset.empty() ? "" : " (preset " + instance.preset + ")")
      << " (as config/config.json says when this was written)\n"
      << "Provider:         " << instance.provider << " (API key in .env as " << instance.api_key_env << ")\n"
      << "Secrets:          .env (NAME=VALUE lines, values taken literally; mounted read-only at\n"
      << "                  " << kSecretsMountPoint << " and exported by the image's entrypoint)\n"
      << "Soul:             " << instance.soul << " (workspace/SOUL.md)\n"
      << "Config:           config/config.json (mounted at /data/.nanobot)\n"
      << "Workspace:        workspace/ (mounted at /data/workspace)\n"
      << "Home:             home/ (mounted at /data, the container's HOME: tokens, caches, history)\n"
      << "Your additions:   docker-compose.override.yml (merged into this service; never rewritten)\n\n"
      << "Start:   nanoforge up " << instance.name << "\n"
      << "Logs:    nanoforge logs -f " << instance.name << "\n"
      << "Status:  nanoforge status\n"
      << "Backup:  nanoforge instance backup " << instance.name << "\n";
  return out.str();
}

std::vector<std::string> key_variables(const Instance& instance) {
  std::vector<std::string> names;
  if (instance.setup.needs_key) names.push_back(instance.api_key_env);
  for (const auto& fallback : instance.setup.fallbacks)
    if (!fallback.api_key_env.empty() && std::find(names.begin(), names.end(), fallback.api_key_env) == names.end())
      names.push_back(fallback.api_key_env);
  return names;
}

std::string secrets_env(const Instance& instance, const std::optional<std::string>& api_key) {
  // The given key goes to the main provider's variable even when config.json does not refer to
  // it (a local provider behind a proxy that wants one): the user asked for it.
  std::vector<SecretVariable> variables;
  if (api_key && !instance.setup.needs_key) variables.push_back({instance.api_key_env, *api_key});
  for (const auto& name : key_variables(instance))
    variables.push_back({name, name == instance.api_key_env ? api_key.value_or("") : ""});
  if (instance.webui_port && !instance.setup.web_token.empty())
    variables.push_back({kWebTokenVariable, instance.setup.web_token});
  if (instance.api_port && !instance.setup.api_key.empty()) variables.push_back({kApiKeyVariable, instance.setup.api_key});
  return secrets_env(instance, variables);
}

std::string secrets_env(const Instance& instance, const std::vector<SecretVariable>& variables) {
  std::string lines;
  for (const auto& variable : variables)
    lines += secret_line(variable.name, variable.value);  // throws before anything is written
  bool to_fill = std::any_of(variables.begin(), variables.end(), [](const auto& v) { return v.value.empty(); });
  std::ostringstream out;
  out << "# Secrets of the Nanobot instance '" << instance.name << "'. One NAME=VALUE per line; the value is\n"
      << "# everything after the first '=' up to the end of the line, taken literally (no quotes, no $\n"
      << "# expansion, no escapes). Mounted read-only at " << kSecretsMountPoint << "; the image's\n"
      << "# entrypoint exports each line for the app.";
  if (!instance.setup.needs_key && std::none_of(variables.begin(), variables.end(), [&](const auto& v) {
        return v.name == instance.api_key_env;
      }))
    out << " '" << instance.provider << "' needs no API key (it runs locally\n# or logs in with OAuth).";
  if (variables.empty()) {
    out << "\n";
  } else {
    out << " config.json refers to";
    for (std::size_t i = 0; i < variables.size(); ++i) out << (i ? ", " : " ") << "${" << variables[i].name << "}";
    out << ".\n";
    if (to_fill) out << "# Fill in the empty ones before starting the instance:\n";
  }
  out << lines;
  return out.str();
}

std::string override_stub(const Instance& instance) {
  return "# Your additions to the '" + instance.name +
         "' service. nanoforge never rewrites this file and merges it\n"
         "# into the service each time it writes docker-compose.yml (maps merge, lists append).\n"
         "# Example:\n"
         "# environment:\n"
         "#   TZ: Asia/Shanghai\n"
         "# deploy:\n"
         "#   resources:\n"
         "#     limits:\n"
         "#       memory: 2G\n";
}

}  // namespace nanoforge::deploy
