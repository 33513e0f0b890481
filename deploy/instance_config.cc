#include "deploy/instance_config.h"

#include <sstream>

#include "deploy/secrets_file.h"

namespace nanoforge::deploy {

using nlohmann::json;

json nanobot_config(const Instance& instance) {
  json config;
  config["agents"]["defaults"] = {{"workspace", "/data/workspace"},
                                  {"model", instance.model},
                                  {"temperature", instance.temperature},
                                  {"maxTokens", instance.max_tokens}};
  config["providers"][instance.provider] = {{"apiKey", "${" + instance.api_key_env + "}"}};
  config["gateway"] = {{"host", "0.0.0.0"}, {"port", contract::kGatewayPort}};
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

std::string secrets_env(const Instance& instance, const std::optional<std::string>& api_key) {
  std::string line = secret_line(instance.api_key_env, api_key.value_or(""));  // throws before anything is written
  std::ostringstream out;
  out << "# Secrets of the Nanobot instance '" << instance.name << "'. One NAME=VALUE per line; the value is\n"
      << "# everything after the first '=' up to the end of the line, taken literally (no quotes, no $\n"
      << "# expansion, no escapes). Mounted read-only at " << kSecretsMountPoint << "; the image's\n"
      << "# entrypoint exports each line for the app. config.json refers to the key as ${"
      << instance.api_key_env << "}.\n";
  if (!api_key || api_key->empty()) out << "# Set the API key here before starting the instance:\n";
  out << line;
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
