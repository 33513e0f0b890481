#include "deploy/migrate.h"

#include "base/atomic_file.h"
#include "base/error.h"
#include "deploy/secrets_file.h"
#include "deploy/instance_config.h"
#include "deploy/ownership.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool is_placeholder(const std::string& value) {
  return value.size() > 3 && value.rfind("${", 0) == 0 && value.back() == '}';
}

std::size_t copy_tree(const fs::path& from, const fs::path& to) {
  std::size_t count = 0;
  fs::create_directories(to);
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
    fs::path target = to / it->path().lexically_relative(from);
    auto type = it->symlink_status().type();
    if (type == fs::file_type::directory) {
      fs::create_directories(target);
    } else if (type == fs::file_type::regular) {
      fs::copy_file(it->path(), target, fs::copy_options::overwrite_existing);
      ++count;
    } else if (type == fs::file_type::symlink) {
      fs::remove(target);
      fs::copy_symlink(it->path(), target);
      ++count;
    }
  }
  return count;
}

}  // namespace

ConvertedConfig convert_nanobot_config(const json& source_config, const std::string& source) {
  if (!source_config.is_object()) throw Error(source + ": expected a JSON object (a Nanobot config.json)");
  ConvertedConfig converted;
  json config;
  try {
    if (source_config.contains("agents")) {
      // Nanobot's own schema: keep everything, fix what the container layout decides.
      config = source_config;
      json& defaults = config["agents"]["defaults"];
      converted.model = defaults.value("model", "");
      defaults["workspace"] = "/data/workspace";
      if (config.contains("providers") && config["providers"].is_object()) {
        for (auto& [provider, settings] : config["providers"].items()) {
          if (!settings.is_object() || !settings.contains("apiKey") || !settings["apiKey"].is_string()) continue;
          std::string key = settings["apiKey"].get<std::string>();
          if (key.empty() || is_placeholder(key)) continue;
          std::string variable = default_api_key_env(provider);
          converted.secrets[variable] = key;
          settings["apiKey"] = "${" + variable + "}";
          if (converted.provider.empty()) converted.provider = provider;
        }
      }
    } else if (source_config.contains("model")) {
      // The guide's flat example, which Nanobot rejects.
      converted.model = source_config.at("model").get<std::string>();
      json& defaults = config["agents"]["defaults"];
      defaults["workspace"] = "/data/workspace";
      defaults["model"] = converted.model;
      defaults["temperature"] = source_config.value("temperature", 0.7);
      defaults["maxTokens"] = source_config.value("max_tokens", 4096);
      converted.provider = source_config.value("provider", provider_for_model(converted.model));
      std::string variable = default_api_key_env(converted.provider);
      std::string key = source_config.value("api_key", "");
      if (!key.empty() && !is_placeholder(key) && key != "your-api-key-here") converted.secrets[variable] = key;
      config["providers"][converted.provider]["apiKey"] = "${" + variable + "}";
      for (const auto& [key_name, value] : source_config.items())
        if (key_name != "model" && key_name != "temperature" && key_name != "max_tokens" && key_name != "api_key" &&
            key_name != "provider" && key_name != "gateway")
          converted.dropped.push_back(key_name);
    } else {
      throw Error(source + ": neither Nanobot's schema (agents.defaults.model) nor the flat form (model) "
                           "— is this a Nanobot config.json?");
    }
  } catch (const json::exception& error) {
    throw Error(source + ": unexpected value: " + error.what());
  }
  if (converted.model.empty()) throw Error(source + ": no model (agents.defaults.model)");
  validate_model(converted.model);
  if (converted.provider.empty()) converted.provider = provider_for_model(converted.model);
  config["gateway"]["host"] = "0.0.0.0";
  config["gateway"]["port"] = contract::kGatewayPort;
  converted.config = config;
  return converted;
}

MigrateResult migrate_instance(const Deployment& deployment, const MigrateRequest& request, const PortInUse& in_use) {
  fs::path from = request.from;
  fs::path source_config = from / "config.json";
  if (!fs::is_directory(from))
    throw Error("cannot migrate from " + from.string() + ": not a directory (expected a Nanobot home such as ~/.nanobot)");
  if (!fs::exists(source_config))
    throw Error(from.string() + " is not a Nanobot home: it has no config.json (expected config.json, workspace/, sessions/)");
  ConvertedConfig converted = convert_nanobot_config(parse_json_file(source_config), source_config.string());

  CreateRequest create;
  create.name = request.name;
  create.port = request.port;
  create.model = converted.model;
  create.soul = fs::exists(from / "workspace" / "SOUL.md") ? "custom" : "assistant";
  create.provider = converted.provider;
  std::vector<Instance> existing = deployment.load_instances();
  Instance instance = plan_instance(deployment, existing, create, in_use);
  auto staged = stage_instance(deployment, instance, std::nullopt);
  const fs::path& dir = staged->path();

  MigrateResult result;
  if (fs::is_directory(from / "workspace")) result.files_copied += copy_tree(from / "workspace", dir / "workspace");
  if (fs::is_directory(from / "sessions")) result.files_copied += copy_tree(from / "sessions", dir / "config" / "sessions");
  fs::remove(dir / instance_files::kConfig);
  write_new_file(dir / instance_files::kConfig, converted.config.dump(2) + "\n");
  std::string secrets;
  try {
    secrets = secrets_env(instance, converted.secrets.count(instance.api_key_env)
                                        ? std::optional<std::string>(converted.secrets[instance.api_key_env])
                                        : std::nullopt);
    for (const auto& [variable, key] : converted.secrets)
      if (variable != instance.api_key_env) secrets += secret_line(variable, key);
  } catch (const Error& error) {
    throw Error(source_config.string() + " (providers.*.apiKey): " + error.what() + "; nothing was migrated");
  }
  fs::remove(dir / instance_files::kSecrets);
  write_new_file(dir / instance_files::kSecrets, secrets, 0600);
  give_secrets_to_instance_group(dir / instance_files::kSecrets);
  prepare_writable_state(dir, deployment_ownership(deployment));
  commit_instance_and_compose(deployment, *staged, std::move(existing));
  result.instance = instance;
  result.dropped = converted.dropped;
  return result;
}

}  // namespace nanoforge::deploy
