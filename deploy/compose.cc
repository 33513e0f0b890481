#include "deploy/compose.h"
#include "deploy/compose_service.h"

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string_view>

#include "base/atomic_file.h"
#include "base/container_contract.h"
#include "base/error.h"
#include "deploy/compose_cache.h"
#include "deploy/instance_config.h"
#include "deploy/secrets_file.h"
#include "deploy/yaml_safe_scalar.h"
#include "base/program_identity.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;

namespace {

constexpr const char* kAnchor = "nanobot";
// Part of every service's cached inputs (rendered_services.h): bump it when render_service
// writes something else for the same instance, override and settings.
constexpr const char* kServiceRendering = "service rendering 3";

// A string written quoted whatever its text ("1.0", "1000:1000", "./venv:/opt/venv:ro").
YAML::Node quoted(const std::string& text) { return quoted_string(text); }

YAML::Node flow_list(const std::vector<std::string>& items) {
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

// Same value as Compose would read it (see same_scalar).
bool same_value(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type()) return false;
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      return same_scalar(a, b);
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

void check_emitted(const YAML::Emitter& out, const Deployment& deployment) {
  if (!out.good()) throw Error("cannot emit " + deployment.compose_file().string() + ": " + out.GetLastError());
}

}  // namespace

namespace {

// GET /health on the gateway's port inside the container.
YAML::Node healthcheck_for(int gateway_port) {
  // Through the venv's Python: the runtime image has no curl or wget.
  YAML::Node healthcheck(YAML::NodeType::Map);
  healthcheck["test"] = flow_list(contract::healthcheck_command(gateway_port));
  // Faster than the image's own (30 s) so `up` reports healthy sooner.
  healthcheck["interval"] = "10s";
  healthcheck["timeout"] = "5s";
  healthcheck["retries"] = plain_value("3");
  healthcheck["start_period"] = "20s";
  return healthcheck;
}

}  // namespace

YAML::Node shared_service(const DeploymentSettings& settings, const Ownership& ownership) {
  YAML::Node base(YAML::NodeType::Map);
  base["image"] = settings.image;
  base["user"] = quoted(ownership.compose_user());
  if (auto userns = ownership.userns_mode()) base["userns_mode"] = *userns;
  base["restart"] = "unless-stopped";
  base["stop_grace_period"] = std::to_string(contract::kStopGraceSeconds) + "s";
  base["read_only"] = plain_value("true");
  base["tmpfs"] = flow_list({"/tmp"});
  base["cap_drop"] = flow_list({"ALL"});
  base["security_opt"] = flow_list({"no-new-privileges:true"});
  YAML::Node environment(YAML::NodeType::Map);
  environment["HOME"] = "/data";
  // The host by name from inside (a provider running there), per engine: see
  // contract::kHostGatewayVariable. Before any `up` the engine is not known: Docker's form.
  const bool podman = settings.engine == "podman";
  environment[contract::kHostGatewayVariable] = podman ? contract::kPodmanHostName : contract::kDockerHostName;
  if (!podman) base["extra_hosts"] = flow_list({std::string(contract::kDockerHostName) + ":host-gateway"});
  // Proxies pass through from the environment compose runs in, never written into this file.
  for (const char* name : contract::kProxyVariables)
    if (const char* value = std::getenv(name); value && *value)
      environment[name] = quoted(std::string("${") + name + "}");
  base["environment"] = environment;
  base["healthcheck"] = healthcheck_for(contract::kGatewayPort);
  YAML::Node networks(YAML::NodeType::Sequence);
  networks.push_back(settings.network);
  base["networks"] = networks;
  return base;
}

YAML::Node instance_fields(const Instance& instance, const DeploymentSettings& settings,
                           const std::string& secrets_version) {
  YAML::Node service(YAML::NodeType::Map);
  if (instance.restart != "unless-stopped") service["restart"] = instance.restart;
  service["container_name"] = instance.container_name();
  service["hostname"] = instance.name;
  YAML::Node labels(YAML::NodeType::Map);
  labels["io.nanoforge.instance"] = instance.name;
  // The secrets are a bind-mounted file (see Instance::volumes), which compose does not look
  // into: this label changes with the file, so `up` recreates the container when it changed.
  if (!secrets_version.empty()) labels["io.nanoforge.secrets-version"] = quoted(secrets_version);
  service["labels"] = labels;
  YAML::Node volumes(YAML::NodeType::Sequence);
  for (const auto& mount : instance.volumes(settings.mode)) volumes.push_back(quoted(mount.compose_form()));
  service["volumes"] = volumes;
  YAML::Node ports(YAML::NodeType::Sequence);
  // Container ports as config.json sets them (gateway.port, channels.websocket.port).
  ports.push_back(quoted(settings.publish_address + ":" + std::to_string(instance.port) + ":" +
                         std::to_string(instance.gateway_port_inside)));
  if (instance.webui_port)
    ports.push_back(quoted(settings.publish_address + ":" + std::to_string(*instance.webui_port) + ":" +
                           std::to_string(instance.webui_port_inside)));
  service["ports"] = ports;
  // The shared healthcheck asks the default port; YAML's merge is shallow, so a gateway on
  // another port gets a whole healthcheck of its own.
  if (instance.gateway_port_inside != contract::kGatewayPort) service["healthcheck"] = healthcheck_for(instance.gateway_port_inside);
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

YAML::Node api_fields(const Instance& instance, const DeploymentSettings& settings, const std::string& secrets_version) {
  YAML::Node service = instance_fields(instance, settings, secrets_version);
  service["container_name"] = instance.api_container_name();
  service["hostname"] = instance.name + "-api";
  service["labels"]["io.nanoforge.role"] = "api";
  // Upstream's own compose runs `serve --host 0.0.0.0` beside the gateway on the same data;
  // the image's entrypoint passes words it finds no program for to the app.
  service["command"] = flow_list({"serve", "--host", "0.0.0.0"});
  YAML::Node ports(YAML::NodeType::Sequence);
  ports.push_back(quoted(settings.publish_address + ":" + std::to_string(instance.api_port.value_or(0)) + ":" +
                         std::to_string(instance.api_port_inside)));
  service["ports"] = ports;
  service["healthcheck"] = healthcheck_for(instance.api_port_inside);
  return service;
}

YAML::Node instance_service(const Instance& instance, const DeploymentSettings& settings,
                            const std::string& secrets_version) {
  return expanded_service(shared_service(settings, ownership_for(settings.engine, ::geteuid(), ::getegid())),
                          instance_fields(instance, settings, secrets_version));
}

void merge_override(YAML::Node& service, const YAML::Node& addition, const std::string& source) {
  if (!addition || addition.IsNull()) return;
  if (!addition.IsMap())
    throw Error(source + ": expected a mapping of service keys (e.g. environment:, deploy:)");
  merge_into_map(service, addition, "");
}

namespace {

// One service as it stands under `services:`: emitted on its own, then indented one level,
// which is exactly what the emitter writes for it inside the whole file.
std::string render_service(const Instance& instance, const DeploymentSettings& settings, const YAML::Node& base,
                           const YAML::Node& addition, const fs::path& override_file, const Deployment& deployment,
                           const std::string& secrets_version) {
  YAML::Node own = instance_fields(instance, settings, secrets_version);
  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::BeginMap << YAML::Key;
  emit_string(out, instance.name);
  out << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "<<" << YAML::Value << YAML::Alias(kAnchor);
  if (addition.IsNull()) {
    // Without an override the instance's own keys are exactly what differs from the anchor.
    for (const auto& entry : own) {
      out << YAML::Key;
      emit_key(out, entry.first.Scalar());
      out << YAML::Value;
      emit_node(out, entry.second);
    }
  } else {
    YAML::Node service = expanded_service(base, own);
    merge_override(service, addition, override_file.string());
    for (const auto& entry : service) {
      const std::string& key = entry.first.Scalar();
      if (base[key] && same_value(base[key], entry.second)) continue;  // from the anchor
      out << YAML::Key;
      emit_key(out, key);
      out << YAML::Value;
      emit_node(out, entry.second);
    }
  }
  out << YAML::EndMap;
  if (instance.api_port) {
    // The API server's service: the same data and secrets, no override (that is the gateway's).
    out << YAML::Key;
    emit_string(out, instance.api_service());
    out << YAML::Value << YAML::BeginMap << YAML::Key << "<<" << YAML::Value << YAML::Alias(kAnchor);
    for (const auto& entry : api_fields(instance, settings, secrets_version)) {
      out << YAML::Key;
      emit_key(out, entry.first.Scalar());
      out << YAML::Value;
      emit_node(out, entry.second);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  check_emitted(out, deployment);
  std::string indented;
  std::string_view emitted = out.c_str();
  for (std::size_t start = 0; start < emitted.size();) {
    std::size_t end = emitted.find('\n', start);
    if (end == std::string_view::npos) end = emitted.size();
    indented.append("  ").append(emitted.substr(start, end - start)).append("\n");
    start = end + 1;
  }
  return indented;
}

// The override file's text; nothing when there is none.
std::optional<std::string> read_override(const fs::path& file) {
  try {
    return read_file(file);
  } catch (const Error&) {
    if (!fs::exists(file)) return std::nullopt;
    throw;
  }
}

YAML::Node parse_override(const std::string& text, const fs::path& file, const std::string& instance_name) {
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

}  // namespace

YAML::Node load_override(const fs::path& file, const std::string& instance_name) {
  std::optional<std::string> text = read_override(file);
  if (!text) return YAML::Node(YAML::NodeType::Null);
  return parse_override(*text, file, instance_name);
}

void refresh_instance_info(const Deployment& deployment, const std::vector<Instance>& instances) {
  DeploymentSettings settings = deployment.settings();
  for (const auto& instance : instances) {
    fs::path file = deployment.instance_dir(instance.name) / instance_files::kInfo;
    std::string text = instance_info(instance, settings);
    if (read_file_if_exists(file) != text) write_file_atomically(file, text);
  }
}

std::string render_compose(const Deployment& deployment, const std::vector<Instance>& instances,
                           const std::map<std::string, fs::path>& staged_dirs) {
  DeploymentSettings settings = deployment.settings();
  const YAML::Node base = shared_service(settings, ownership_for(settings.engine, ::geteuid(), ::getegid()));

  YAML::Emitter head;
  head.SetIndent(2);
  head << YAML::Comment(
      "Written by nanoforge from instances/*/instance.json; rewritten on every create, delete\n"
      "and `nanoforge compose`. Put your changes in instances/NAME/docker-compose.override.yml.");
  head << YAML::BeginMap;
  head << YAML::Key << "x-nanobot" << YAML::Value << YAML::Anchor(kAnchor);
  emit_node(head, base);
  head << YAML::EndMap;
  check_emitted(head, deployment);
  std::string text = std::string(head.c_str()) + "\n";

  // Everything a service's text follows from besides its own record and override: the shared
  // part as emitted (settings, proxies), the settings instance_fields reads, and this code,
  // which is the running binary's (its build ID changes with any change to the code, whether
  // or not kServiceRendering was bumped).
  RenderedServices cache(deployment.compose_cache_file(),
                         std::string("nanoforge " NANOFORGE_VERSION " ") + program_build_id() + ", " +
                             kServiceRendering + "\n" + text + to_string(settings.mode) + "\n" +
                             settings.publish_address + "\n");
  text += instances.empty() ? "services:\n  {}\n" : "services:\n";
  for (const auto& instance : instances) {
    auto staged = staged_dirs.find(instance.name);
    fs::path instance_dir = staged != staged_dirs.end() ? staged->second : deployment.instance_dir(instance.name);
    fs::path override_file = instance_dir / instance_files::kOverride;
    std::optional<std::string> override_text = read_override(override_file);
    std::string secrets = secrets_version(instance_dir / instance_files::kSecrets);
    std::string inputs = to_json(instance).dump() + "\nports inside " + std::to_string(instance.gateway_port_inside) +
                         " " + std::to_string(instance.webui_port_inside) + " " +
                         std::to_string(instance.api_port_inside) + "\nsecrets " + secrets +
                         (override_text ? "\noverride\n" + *override_text : "\n");
    std::string service;
    if (const std::string* rendered = cache.find(instance.name, inputs)) {
      service = *rendered;
    } else {
      YAML::Node addition = override_text ? parse_override(*override_text, override_file, instance.name)
                                          : YAML::Node(YAML::NodeType::Null);
      service = render_service(instance, settings, base, addition, override_file, deployment, secrets);
    }
    cache.keep(instance.name, std::move(inputs), service);
    text += service;
  }

  YAML::Emitter tail;
  tail.SetIndent(2);
  tail << YAML::BeginMap << YAML::Key << "networks" << YAML::Value << YAML::BeginMap;
  tail << YAML::Key;
  emit_string(tail, settings.network);
  tail << YAML::Value << YAML::BeginMap << YAML::Key << "driver" << YAML::Value << "bridge" << YAML::EndMap;
  tail << YAML::EndMap << YAML::EndMap;
  check_emitted(tail, deployment);
  text += std::string(tail.c_str()) + "\n";
  cache.save();
  return text;
}

void write_compose(const Deployment& deployment) {
  auto instances = deployment.load_instances();
  std::string text = render_compose(deployment, instances);
  write_file_atomically(deployment.compose_file(), text);
  refresh_instance_info(deployment, instances);
}

}  // namespace nanoforge::deploy
