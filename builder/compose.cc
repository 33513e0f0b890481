#include "builder/compose.h"

#include <cstdlib>
#include <string_view>

#include "builder/compose_yaml.h"

#include "oci/atomic_file.h"
#include "oci/error.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

namespace {

constexpr const char* kAnchor = "nanobot";

YAML::Node quoted(const std::string& text) { return compose_string(text); }

YAML::Node flow_list(std::initializer_list<std::string> items) {
  YAML::Node list(YAML::NodeType::Sequence);
  for (const auto& item : items) list.push_back(quoted(item));
  list.SetStyle(YAML::EmitterStyle::Flow);
  return list;
}

// Nothing but blank lines and comments: what YAML reads as an empty document.
bool is_blank_or_comments(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#') return false;
    start = end + 1;
  }
  return true;
}

// Same value as Compose would read it (a forced-string scalar differs from a plain one).
bool same_value(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type()) return false;
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      return a.Scalar() == b.Scalar() && (a.Tag() == "!") == (b.Tag() == "!");
    case YAML::NodeType::Sequence: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!same_value(a[i], b[i])) return false;
      return true;
    }
    case YAML::NodeType::Map: {
      if (a.size() != b.size()) return false;
      auto left = a.begin(), right = b.begin();
      for (; left != a.end(); ++left, ++right)
        if (left->first.Scalar() != right->first.Scalar() || !same_value(left->second, right->second)) return false;
      return true;
    }
    default:
      return true;
  }
}

// Compose accepts `environment` as a list of KEY=VALUE or a mapping; merge in mapping form.
YAML::Node environment_as_map(const YAML::Node& environment) {
  if (!environment.IsSequence()) return environment;
  YAML::Node map(YAML::NodeType::Map);
  for (const auto& item : environment) {
    auto text = item.Scalar();
    auto equals = text.find('=');
    if (equals == std::string::npos) map[text] = YAML::Node(YAML::NodeType::Null);
    else map[text.substr(0, equals)] = quoted(text.substr(equals + 1));
  }
  return map;
}

void merge_nodes(YAML::Node target, const YAML::Node& addition, const std::string& key_path);

void merge_into_map(YAML::Node target, const YAML::Node& addition, const std::string& key_path) {
  for (const auto& entry : addition) {
    std::string key = entry.first.Scalar();
    std::string path = key_path.empty() ? key : key_path + "." + key;
    YAML::Node value = entry.second;
    if (key == "environment") value = environment_as_map(value);
    if (!target[key] || target[key].IsNull()) {
      target[key] = YAML::Clone(value);
      continue;
    }
    YAML::Node existing = target[key];
    if (key == "environment" && existing.IsSequence()) {
      existing = environment_as_map(existing);
      target[key] = existing;
    }
    merge_nodes(target[key], value, path);
  }
}

void merge_nodes(YAML::Node target, const YAML::Node& addition, const std::string& key_path) {
  if (target.IsMap() && addition.IsMap()) {
    merge_into_map(target, addition, key_path);
  } else if (target.IsSequence() && addition.IsSequence()) {
    for (const auto& item : addition) {
      bool present = false;
      for (const auto& have : target) present = present || same_value(have, item);
      if (!present) target.push_back(YAML::Clone(item));
    }
  } else {
    target = YAML::Clone(addition);
  }
}

// The shared part with the instance's own keys set on it (restart replaces the shared one in place).
YAML::Node expanded_service(const YAML::Node& base, const YAML::Node& own) {
  YAML::Node service = YAML::Clone(base);
  for (const auto& entry : own) service[entry.first.Scalar()] = entry.second;
  return service;
}

}  // namespace

YAML::Node shared_service(const DeploymentSettings& settings) {
  YAML::Node base(YAML::NodeType::Map);
  base["image"] = settings.image;
  base["user"] = quoted(std::to_string(kInstanceUid) + ":" + std::to_string(kInstanceGid));
  base["restart"] = "unless-stopped";
  base["read_only"] = "true";
  base["tmpfs"] = flow_list({"/tmp"});
  base["cap_drop"] = flow_list({"ALL"});
  base["security_opt"] = flow_list({"no-new-privileges:true"});
  YAML::Node environment(YAML::NodeType::Map);
  environment["HOME"] = "/data";
  // Proxies pass through from the environment compose runs in, never written into this file.
  for (const char* name : {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"})
    if (const char* value = std::getenv(name); value && *value)
      environment[name] = quoted(std::string("${") + name + "}");
  base["environment"] = environment;
  // Through the venv's Python: the runtime image has no curl or wget.
  YAML::Node healthcheck(YAML::NodeType::Map);
  healthcheck["test"] = flow_list(
      {"CMD", "/opt/venv/bin/python", "-c",
       "import sys,urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:" +
           std::to_string(kContainerGatewayPort) + "/health', timeout=4).status == 200 else 1)"});
  healthcheck["interval"] = "10s";
  healthcheck["timeout"] = "5s";
  healthcheck["retries"] = "3";
  healthcheck["start_period"] = "20s";
  base["healthcheck"] = healthcheck;
  YAML::Node networks(YAML::NodeType::Sequence);
  networks.push_back(settings.network);
  base["networks"] = networks;
  return base;
}

YAML::Node instance_fields(const Instance& instance, const DeploymentSettings& settings) {
  YAML::Node service(YAML::NodeType::Map);
  if (instance.restart != "unless-stopped") service["restart"] = instance.restart;
  service["container_name"] = instance.container_name();
  service["hostname"] = instance.name;
  YAML::Node labels(YAML::NodeType::Map);
  labels["io.nanoforge.instance"] = instance.name;
  service["labels"] = labels;
  YAML::Node volumes(YAML::NodeType::Sequence);
  for (const auto& mount : instance.volumes(settings.mode)) volumes.push_back(quoted(mount.compose_form()));
  service["volumes"] = volumes;
  YAML::Node ports(YAML::NodeType::Sequence);
  ports.push_back(quoted(settings.publish_address + ":" + std::to_string(instance.port) + ":" +
                         std::to_string(kContainerGatewayPort)));
  if (instance.webui_port)
    ports.push_back(quoted(settings.publish_address + ":" + std::to_string(*instance.webui_port) + ":" +
                           std::to_string(kContainerWebuiPort)));
  service["ports"] = ports;
  YAML::Node env_file(YAML::NodeType::Sequence);
  env_file.push_back("./" + (instance_files::directory(instance.name) / instance_files::kSecrets).string());
  service["env_file"] = env_file;
  YAML::Node resources;
  resources["limits"]["cpus"] = quoted(instance.limits.cpus);
  resources["limits"]["memory"] = instance.limits.memory;
  resources["reservations"]["cpus"] = quoted(instance.limits.reserved_cpus);
  resources["reservations"]["memory"] = instance.limits.reserved_memory;
  service["deploy"]["resources"] = resources;
  service["logging"]["driver"] = "json-file";
  service["logging"]["options"]["max-size"] = quoted(instance.logging.max_size);
  service["logging"]["options"]["max-file"] = quoted(std::to_string(instance.logging.max_files));
  return service;
}

YAML::Node instance_service(const Instance& instance, const DeploymentSettings& settings) {
  return expanded_service(shared_service(settings), instance_fields(instance, settings));
}

void merge_override(YAML::Node& service, const YAML::Node& addition, const std::string& source) {
  if (!addition || addition.IsNull()) return;
  if (!addition.IsMap())
    throw Error(source + ": expected a mapping of service keys (e.g. environment:, deploy:)");
  merge_into_map(service, addition, "");
}

YAML::Node load_override(const fs::path& file, const std::string& instance_name) {
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error&) {
    if (!fs::exists(file)) return YAML::Node(YAML::NodeType::Null);
    throw;
  }
  // The stub every create writes is only comments; most instances keep it, so skip the parser.
  if (is_blank_or_comments(text)) return YAML::Node(YAML::NodeType::Null);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    throw Error(file.string() + ":" + std::to_string(error.mark.line + 1) + ":" +
                std::to_string(error.mark.column + 1) + ": not valid YAML: " + error.msg);
  }
  if (!root || root.IsNull()) return YAML::Node(YAML::NodeType::Null);
  if (!root.IsMap())
    throw Error(file.string() + ": expected a mapping (service keys, or services: {" + instance_name + ": ...})");
  if (YAML::Node services = root["services"]) {
    if (!services.IsMap() || !services[instance_name])
      throw Error(file.string() + ": has 'services:' but no service named '" + instance_name +
                  "' (this file only adds to that instance's service)");
    if (services.size() != 1)
      throw Error(file.string() + ": names services other than '" + instance_name +
                  "'; an instance's override may only change its own service");
    return services[instance_name];
  }
  return root;
}

std::string render_compose(const Deployment& deployment, const std::vector<Instance>& instances) {
  DeploymentSettings settings = deployment.settings();
  const YAML::Node base = shared_service(settings);

  std::string out;
  out.reserve(1024 + 1536 * instances.size());
  write_yaml_comment(out,
                     "Written by nanoforge from instances/*/instance.json; rewritten on every create, delete\n"
                     "and `nanoforge compose`. Put your changes in instances/NAME/docker-compose.override.yml.");
  out += std::string("x-nanobot: &") + kAnchor + "\n";
  write_yaml_entries(out, 2, base);
  out += instances.empty() ? "services: {}\n" : "services:\n";
  for (const auto& instance : instances) {
    YAML::Node own = instance_fields(instance, settings);
    fs::path override_file = deployment.instance_dir(instance.name) / instance_files::kOverride;
    YAML::Node addition = load_override(override_file, instance.name);
    write_yaml_key(out, 2, instance.name);
    out += std::string("\n    <<: *") + kAnchor + "\n";
    if (addition.IsNull()) {  // the instance's own keys are exactly what differs from the anchor
      write_yaml_entries(out, 4, own);
      continue;
    }
    YAML::Node service = expanded_service(base, own);
    merge_override(service, addition, override_file.string());
    for (const auto& entry : service) {
      const std::string& key = entry.first.Scalar();
      if (base[key] && same_value(base[key], entry.second)) continue;  // from the anchor
      write_yaml_entry(out, 4, entry.first, entry.second);
    }
  }
  out += "networks:\n";
  YAML::Node network(YAML::NodeType::Map);
  network["driver"] = "bridge";
  write_yaml_entry(out, 2, settings.network, network);
  return out;
}

void write_compose(const Deployment& deployment) {
  std::string text = render_compose(deployment, deployment.load_instances());
  write_file_atomically(deployment.compose_file(), text);
}

}  // namespace nanoforge::builder
