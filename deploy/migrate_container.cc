#include "deploy/migrate_container.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "base/container_contract.h"
#include "base/error.h"
#include "deploy/instance.h"
#include "deploy/migrate_secrets.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Programs MCP servers are commonly started with that the runtime image does not have, and
// what each needs. The image holds the Python venv and little else.
const std::map<std::string, std::string>& missing_programs() {
  static const std::map<std::string, std::string> programs = {
      {"npx", "Node.js"},   {"npm", "Node.js"},     {"node", "Node.js"},          {"pnpm", "Node.js"},
      {"yarn", "Node.js"},  {"bun", "Bun"},         {"bunx", "Bun"},              {"deno", "Deno"},
      {"uv", "uv"},         {"uvx", "uv"},          {"pipx", "pipx"},             {"docker", "a container engine"},
      {"podman", "a container engine"},
  };
  return programs;
}


const json* setting(const json& object, std::string_view name) { return find_setting(object, name); }

std::string text_of(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// pydantic's lax booleans that mean false.
bool is_false(const json* value) {
  if (!value) return false;
  if (value->is_boolean()) return !value->get<bool>();
  if (value->is_number()) return value->get<double>() == 0;
  if (!value->is_string()) return false;
  std::string text = value->get<std::string>();
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text == "false" || text == "0" || text == "no" || text == "off" || text == "f" || text == "n";
}

// Keys whose strings start with '/' without being files: URL paths, URLs, regular expressions.
bool names_no_file(std::string_view key) {
  std::string name = normalized_key(key);
  return name == "path" || name == "tokenissuepath" || name.ends_with("url") || name.ends_with("urls") ||
         name.ends_with("patterns");
}

bool looks_like_host_path(const std::string& text) {
  if (text.empty() || text.find("${") != std::string::npos) return false;
  if (text == "/data" || text.rfind("/data/", 0) == 0) return false;  // already the container's
  return (text.front() == '/' && text.size() > 1) || text.front() == '~';
}

// A URL to this host's loopback ("http://localhost:11434/v1", "ws://127.0.0.1:3001"): in a
// container the loopback is the container's own.
bool is_loopback_url(const std::string& text) { return via_host_gateway(text).has_value(); }

void warn_loopback_urls(const json& node, const std::string& path, std::vector<std::string>& warnings) {
  if (node.is_structured()) {
    for (const auto& [key, value] : node.items())
      warn_loopback_urls(value, path.empty() ? key : path + "." + key, warnings);
  } else if (node.is_string() && is_loopback_url(node.get<std::string>())) {
    warnings.push_back(path + ": " + node.get<std::string>() +
                       " is this host's loopback, which in the container is the container itself; write the host "
                       "as ${" + std::string(contract::kHostGatewayVariable) + "} instead (every instance's container "
                       "has it set to the host's name on Docker and Podman), or the host's address");
  }
}

class HostPathWalker {
 public:
  HostPathWalker(HostPathFit& fit, const SourceHome& source, const InstanceLayoutMap& layout)
      : fit_(fit), source_(source), layout_(layout) {}

  void walk(json& node, const std::string& path, bool file_key) {
    if (node.is_object()) {
      for (auto& [key, value] : node.items()) {
        std::string child = path.empty() ? key : path + "." + key;
        if (child == "agents.defaults.workspace") continue;  // the container's already
        walk(value, child, !names_no_file(key));
      }
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) walk(node[i], path + "." + std::to_string(i), file_key);
    } else if (node.is_string() && file_key) {
      fit(node, path);
    }
  }

 private:
  void fit(json& node, const std::string& path) {
    const std::string text = node.get<std::string>();
    if (!looks_like_host_path(text)) return;
    // "/usr/bin/python3 server.py": the path is the first word.
    std::size_t space = text.find_first_of(" \t");
    std::string head = text.substr(0, space), tail = space == std::string::npos ? "" : text.substr(space);
    std::optional<fs::path> mapped;
    try {
      mapped = layout_.map(resolve_host_path(head, source_));
    } catch (const Error& error) {
      fit_.warnings.push_back(path + ": " + error.what());
      return;
    }
    if (!mapped) {
      fit_.warnings.push_back(path + ": " + head +
                              " is a path on this host outside the Nanobot home and its workspace, which the "
                              "container cannot see; copy what it needs into the instance's workspace/ and write "
                              "/data/workspace/... here, or bind-mount it in docker-compose.override.yml");
      return;
    }
    std::string rewritten = InstanceLayoutMap::container_path(*mapped) + tail;
    if (rewritten == text) return;
    node = rewritten;
    fit_.rewritten.push_back(path + ": " + text + " -> " + rewritten);
  }

  HostPathFit& fit_;
  const SourceHome& source_;
  const InstanceLayoutMap& layout_;
};

}  // namespace

const json* find_setting(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  for (const auto& [key, value] : object.items())
    if (normalized_key(key) == normalized_key(name)) return &value;
  return nullptr;
}

std::vector<std::string> apply_container_layout(json& config) {
  std::vector<std::string> warnings;
  if (const json* gateway = setting(config, "gateway"); gateway && gateway->is_object()) {
    if (const json* host = setting(*gateway, "host"); host && text_of(*host) != "0.0.0.0")
      warnings.push_back("gateway.host was " + text_of(*host) +
                         ": set to 0.0.0.0, since ports published from a container arrive on its own network "
                         "interface, never on its loopback (the host side listens on the deployment's publish "
                         "address)");
    if (const json* port = setting(*gateway, "port"); port && text_of(*port) != std::to_string(contract::kGatewayPort))
      warnings.push_back("gateway.port was " + text_of(*port) + ": set to " + std::to_string(contract::kGatewayPort) +
                         ", the gateway's port inside every container (the instance publishes it on its own host "
                         "port)");
    // One spelling each, so Nanobot does not see two values for a setting.
    json cleaned = json::object();
    for (const auto& [key, value] : gateway->items())
      if (normalized_key(key) != "host" && normalized_key(key) != "port") cleaned[key] = value;
    config["gateway"] = cleaned;
  }
  config["gateway"]["host"] = "0.0.0.0";
  config["gateway"]["port"] = contract::kGatewayPort;
  // A model server on this host (Ollama, vLLM...), by the host's name in the container.
  if (config.contains("providers") && config["providers"].is_object())
    for (auto& [name, provider] : config["providers"].items()) {
      if (!provider.is_object()) continue;
      for (auto& [key, value] : provider.items()) {
        if (normalized_key(key) != "apibase" || !value.is_string()) continue;
        auto rewritten = via_host_gateway(value.get<std::string>());
        if (!rewritten) continue;
        warnings.push_back("providers." + name + "." + key + " was " + value.get<std::string>() + ": now " + *rewritten +
                           ", this host as the container reaches it (nanoforge sets " +
                           contract::kHostGatewayVariable + " in every instance's container)");
        value = *rewritten;
      }
    }
  config["agents"]["defaults"]["workspace"] = "/data/workspace";
  return warnings;
}

std::vector<std::string> container_setting_warnings(const json& config) {
  std::vector<std::string> warnings;
  const json* channels = setting(config, "channels");
  if (const json* websocket = channels ? setting(*channels, "websocket") : nullptr;
      websocket && websocket->is_object() && !is_false(setting(*websocket, "enabled"))) {
    const json* host = setting(*websocket, "host");
    std::string value = host ? text_of(*host) : "127.0.0.1";
    if (is_loopback(value)) {
      bool has_secret = false;
      for (const char* name : {"token", "tokenIssueSecret"})
        if (const json* secret = setting(*websocket, name); secret && secret->is_string() && !secret->get<std::string>().empty())
          has_secret = true;
      warnings.push_back(
          "channels.websocket.host is " + value + (host ? "" : " (Nanobot's default)") +
          ": in the container only the container itself reaches the WebUI. To use it from this host, migrate with "
          "--webui-port HOST_PORT, which listens on 0.0.0.0 and publishes it" +
          (has_secret ? "" : ", with a login secret of its own in .env (Nanobot refuses 0.0.0.0 without one)"));
    }
  }
  const json* tools = setting(config, "tools");
  const json* exec = tools ? setting(*tools, "exec") : nullptr;
  if (const json* sandbox = exec ? setting(*exec, "sandbox") : nullptr;
      sandbox && sandbox->is_string() && !sandbox->get<std::string>().empty())
    warnings.push_back("tools.exec.sandbox is \"" + sandbox->get<std::string>() +
                       "\": the runtime image has no bubblewrap and the container may not create namespaces, so "
                       "every command would fail; set it to \"\" (the container already confines commands to its "
                       "read-only root and the instance's /data; tools.restrictToWorkspace: true keeps the file "
                       "tools in /data/workspace)");
  if (const json* servers = tools ? setting(*tools, "mcpServers") : nullptr; servers && servers->is_object()) {
    for (const auto& [name, server] : servers->items()) {
      const json* command = setting(server, "command");
      if (!command || !command->is_string()) continue;
      std::string program = command->get<std::string>();
      program = program.substr(0, program.find_first_of(" \t"));
      program = fs::path(program).filename().string();
      auto missing = missing_programs().find(program);
      if (missing == missing_programs().end()) continue;
      warnings.push_back("tools.mcpServers." + name + ".command is " + program + ": the runtime image has no " +
                         missing->second +
                         ", so this MCP server cannot start; run it where it has (e.g. its own container) and "
                         "connect with \"type\": \"streamableHttp\" (or \"sse\") and \"url\" instead of command");
    }
  }
  warn_loopback_urls(config, "", warnings);
  return warnings;
}

HostPathFit fit_host_paths(json& config, const SourceHome& source, const InstanceLayoutMap& layout) {
  HostPathFit fit;
  HostPathWalker(fit, source, layout).walk(config, "", true);
  return fit;
}

}  // namespace nanoforge::deploy
