#include "deploy/migrate.h"

#include <algorithm>
#include <cctype>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/human_bytes.h"
#include "deploy/instance_check.h"
#include "deploy/instance_config.h"
#include "deploy/migrate_container.h"
#include "deploy/venv_webui.h"
#include "deploy/migrate_copy.h"
#include "deploy/migrate_secrets.h"
#include "deploy/migrate_source.h"
#include "deploy/nanobot_config_check.h"
#include "deploy/ownership.h"
#include "deploy/secrets_file.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// upstream's AgentDefaults.model default (config/schema.py), the model of a config that names none.
constexpr const char* kUpstreamDefaultModel = "anthropic/claude-opus-4-5";
// The sections of upstream's root Config (schema.py), normalized as find_setting compares.
constexpr std::string_view kNanobotSections[] = {"agents", "channels", "transcription", "providers",
                                                 "api",    "gateway",  "tools",         "modelpresets"};

bool is_placeholder(const std::string& value) {
  return value.size() > 3 && value.rfind("${", 0) == 0 && value.back() == '}';
}

bool is_nanobot_section(const std::string& key) {
  return std::find(std::begin(kNanobotSections), std::end(kNanobotSections), normalized_key(key)) !=
         std::end(kNanobotSections);
}

std::string string_setting(const json* object, std::string_view name) {
  const json* value = object ? find_setting(*object, name) : nullptr;
  return value && value->is_string() ? value->get<std::string>() : "";
}

bool valid_provider_name(const std::string& provider) {
  try {
    validate_provider(provider);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// The model and provider the instance's record names (INSTANCE_INFO.txt, status): the
// config's own, else its model preset's, else upstream's defaults; the provider forced by
// agents.defaults.provider, else the one the model's "vendor/" prefix names among the
// configured providers, else the first with a key, else the one the model implies.
void settle_model_and_provider(ConvertedConfig& converted) {
  const json& config = converted.config;
  const json* agents = find_setting(config, "agents");
  const json* defaults = agents ? find_setting(*agents, "defaults") : nullptr;
  const json* presets = find_setting(config, "modelPresets");
  const json* preset = nullptr;
  if (std::string name = string_setting(defaults, "modelPreset"); !name.empty() && presets)
    preset = find_setting(*presets, name);
  converted.model = string_setting(defaults, "model");
  if (converted.model.empty()) converted.model = string_setting(preset, "model");
  if (converted.model.empty()) converted.model = kUpstreamDefaultModel;

  const json* providers = find_setting(config, "providers");
  std::string provider = string_setting(defaults, "provider");
  if (provider.empty() || provider == "auto") provider = string_setting(preset, "provider");
  if (provider == "auto") provider.clear();
  if (provider.empty() && providers && converted.model.find('/') != std::string::npos)
    if (find_setting(*providers, converted.model.substr(0, converted.model.find('/'))))
      provider = converted.model.substr(0, converted.model.find('/'));
  if (provider.empty() && providers && providers->is_object())
    for (const auto& [name, settings] : providers->items())
      if (!string_setting(&settings, "apiKey").empty()) {
        provider = name;
        break;
      }
  if (provider.empty() || !valid_provider_name(provider)) provider = provider_for_model(converted.model);
  converted.provider = provider;

  const json* settings = providers ? find_setting(*providers, provider) : nullptr;
  // The variable that holds the key when the whole value is one "${VAR}".
  std::string key = string_setting(settings, "apiKey");
  auto references = env_references(key);
  if (references.size() == 1 && key == "${" + references[0] + "}" && !is_reserved_variable(references[0]))
    converted.api_key_env = references[0];
}

void convert_nanobot_schema(const json& source_config, ConvertedConfig& converted) {
  converted.config = source_config;
  const json* agents = find_setting(source_config, "agents");
  const json* defaults = agents ? find_setting(*agents, "defaults") : nullptr;
  converted.workspace_setting = string_setting(defaults, "workspace");
  SecretMove move = move_secrets_to_environment(converted.config);
  for (auto& secret : move.moved) {
    converted.secrets[secret.variable] = secret.value;
    converted.placements.push_back({secret.path, secret.variable});
  }
  converted.referenced = std::move(move.referenced);
  // The layout first: what it rewrites (gateway.host, a provider on this host's loopback) is
  // then no longer warned about.
  converted.warnings = apply_container_layout(converted.config);
  for (auto& warning : container_setting_warnings(converted.config)) converted.warnings.push_back(std::move(warning));
  settle_model_and_provider(converted);
}

// The guide's flat example, which Nanobot rejects.
void convert_flat(const json& source_config, ConvertedConfig& converted) {
  converted.model = source_config.at("model").get<std::string>();
  json& config = converted.config;
  json& defaults = config["agents"]["defaults"];
  defaults["model"] = converted.model;
  defaults["temperature"] = source_config.value("temperature", 0.7);
  defaults["maxTokens"] = source_config.value("max_tokens", 4096);
  converted.provider = source_config.value("provider", provider_for_model(converted.model));
  std::string variable = default_api_key_env(converted.provider);
  std::string key = source_config.value("api_key", "");
  if (!key.empty() && !is_placeholder(key) && key != "your-api-key-here") {
    converted.secrets[variable] = key;
    converted.placements.push_back({"api_key", variable});
  }
  config["providers"][converted.provider]["apiKey"] = "${" + variable + "}";
  for (const auto& [key_name, value] : source_config.items())
    if (key_name != "model" && key_name != "temperature" && key_name != "max_tokens" && key_name != "api_key" &&
        key_name != "provider" && key_name != "gateway")
      converted.dropped.push_back(key_name);
  apply_container_layout(config);
}

// Everything a migration reads and decides before anything is written.
struct Prepared {
  MigratePlan plan;
  SourceHome source;
  ConvertedConfig converted;
  CopyPlan copy;
  std::vector<Instance> existing;
  std::vector<std::string> values;     // secret values, for the scan of copied files
  std::vector<std::string> variables;  // their variables, index for index
  std::string config_text;
  std::string secrets_text;
};

// The instance's .env: the key of its provider first, then every other secret, then an empty
// line for each ${VAR} the source took from its own environment, to be filled in.
std::string secrets_text(const Instance& instance, const ConvertedConfig& converted, std::vector<std::string>& warnings) {
  std::vector<SecretVariable> variables;
  if (auto key = converted.secrets.find(instance.api_key_env); key != converted.secrets.end())
    variables.push_back({key->first, key->second});
  for (const auto& [variable, value] : converted.secrets)
    if (variable != instance.api_key_env) variables.push_back({variable, value});
  for (const auto& variable : converted.referenced) {
    // HOME, PATH, proxies...: the container's own environment has them.
    if (converted.secrets.count(variable) || is_reserved_variable(variable)) continue;
    warnings.push_back("config.json refers to ${" + variable +
                       "}, which the old home took from its environment: set it in instances/" + instance.name +
                       "/.env");
    variables.push_back({variable, ""});
  }
  // And a line to fill in for every other ${VAR} the converted config refers to (the key of a
  // flat config that had none).
  for (const auto& variable : secret_references(converted.config.dump()))
    if (std::none_of(variables.begin(), variables.end(), [&](const SecretVariable& v) { return v.name == variable; }))
      variables.push_back({variable, ""});
  return secrets_env(instance, variables);
}

// Nanobot's own verdict on the migrated config, as `instance check` gives it.
void check_converted(const Prepared& prepared, std::vector<std::string>& warnings) {
  ConfigCheck check = check_nanobot_config(prepared.config_text,
                                           container_environment(parse_secrets(prepared.secrets_text, ".env").variables));
  // As the start gate does (instance_check.h): "no key yet" is what a new instance looks like
  // (its .env says so, `status` reports it); every other issue is news.
  std::erase_if(check.issues, [](const ConfigIssue& issue) {
    return !issue.error && (issue.stage == ConfigStage::missing_env || issue.stage == ConfigStage::provider);
  });
  std::string file = "instances/" + prepared.plan.instance.name + "/" + instance_files::kConfig;
  std::string described = describe_issues(check, file);
  for (std::size_t start = 0, end; start < described.size(); start = end + 1) {
    end = described.find('\n', start);
    if (end == std::string::npos) end = described.size();
    if (end > start) warnings.push_back(described.substr(start, end - start));
  }
}

// --webui-port: the WebSocket channel on, listening where the published port arrives, with a
// login secret; no longer the loopback warning.
void publish_webui(Prepared& prepared, const Deployment& deployment) {
  if (auto missing = missing_webui_bundle(deployment))
    throw Error("cannot migrate with --webui-port: " + *missing + "; nothing was migrated");
  ConvertedConfig& converted = prepared.converted;
  json& websocket = converted.config["channels"]["websocket"];
  if (!websocket.is_object()) websocket = json::object();
  json cleaned = json::object();
  bool has_secret = false;
  std::string was = "127.0.0.1:8765 (Nanobot's default)";
  if (const json* host = find_setting(websocket, "host"); host && host->is_string()) was = host->get<std::string>();
  if (const json* port = find_setting(websocket, "port")) was += ":" + port->dump();
  for (const auto& [key, value] : websocket.items()) {
    std::string normalized = normalized_key(key);
    if (normalized == "host" || normalized == "port" || normalized == "enabled" || normalized == "websocketrequirestoken")
      continue;  // set below, one spelling
    if ((normalized == "token" || normalized == "tokenissuesecret") && value.is_string() && !value.get<std::string>().empty()) {
      has_secret = true;
      auto names = env_references(value.get<std::string>());
      if (!names.empty() && prepared.plan.webui_secret_variable.empty()) prepared.plan.webui_secret_variable = names.front();
    }
    cleaned[key] = value;
  }
  cleaned["enabled"] = true;
  cleaned["host"] = "0.0.0.0";
  cleaned["port"] = contract::kWebuiPort;
  cleaned["websocketRequiresToken"] = true;  // as create writes it
  prepared.plan.rewritten.push_back("channels.websocket: listened on " + was + ", now 0.0.0.0:" +
                                    std::to_string(contract::kWebuiPort) + ", published on host port " +
                                    std::to_string(*prepared.plan.instance.webui_port));
  if (!has_secret) {
    cleaned["tokenIssueSecret"] = std::string("${") + kWebTokenVariable + "}";
    converted.secrets[kWebTokenVariable] = prepared.plan.instance.setup.web_token;
    prepared.plan.rewritten.push_back(std::string("channels.websocket.tokenIssueSecret: a new random secret, in .env as ${") +
                                      kWebTokenVariable + "}");
    prepared.values.push_back(prepared.plan.instance.setup.web_token);
    prepared.variables.push_back(kWebTokenVariable);
    prepared.plan.webui_secret_variable = kWebTokenVariable;
  }
  websocket = cleaned;
  std::erase_if(prepared.plan.warnings,
                [](const std::string& warning) { return warning.rfind("channels.websocket.host is ", 0) == 0; });
}

Prepared prepare(const Deployment& deployment, const MigrateRequest& request, const PortInUse& in_use) {
  Prepared prepared;
  MigratePlan& plan = prepared.plan;
  SourceHome& source = prepared.source;
  source = find_source_home(request.from);
  const std::string shown = source.config_file.string();
  prepared.converted = convert_nanobot_config(parse_json_file(source.config_file), shown);
  ConvertedConfig& converted = prepared.converted;

  source.workspace = resolve_host_path(
      converted.workspace_setting.empty() ? "~/.nanobot/workspace" : converted.workspace_setting, source);
  if (is_within(source.data_dir, source.workspace) ||
      is_within(resolved_path(source.data_dir), resolved_path(source.workspace)))
    throw Error(shown + ": the workspace " + source.workspace.string() + " holds the data directory " +
                source.data_dir.string() +
                "; Nanobot refuses sessions inside the workspace, so this home cannot run as it is (nothing was "
                "migrated)");
  InstanceLayoutMap layout(source);
  HostPathFit paths = fit_host_paths(converted.config, source, layout);

  plan.data_dir = source.data_dir;
  plan.config_file = source.config_file;
  plan.workspace = source.workspace;
  plan.dropped = converted.dropped;
  plan.secrets = converted.placements;
  plan.rewritten = paths.rewritten;
  plan.warnings = converted.warnings;
  for (auto& warning : paths.warnings) plan.warnings.push_back(std::move(warning));
  if (!layout.plugin_data_from().empty())
    plan.rewritten.push_back("plugin-data/" + layout.plugin_data_from() + " -> plugin-data/" + layout.plugin_data_to() +
                             " (Nanobot names it after the workspace's path, /data/workspace now)");
  std::error_code error;
  if (!fs::is_directory(source.workspace, error))
    plan.warnings.push_back("the workspace " + source.workspace.string() +
                            " does not exist; the instance starts with a new one");
  if (source.data_dir.filename() != ".nanobot" && !converted.workspace_setting.empty() &&
      converted.workspace_setting.front() == '~' && converted.workspace_setting.rfind("~/.nanobot", 0) != 0)
    plan.warnings.push_back("agents.defaults.workspace " + converted.workspace_setting + " was read with ~ as " +
                            source.home.string() + " (the data directory's parent)");
  for (const char* logins : {".local/share/nanobot/auth", ".local/share/oauth-cli-kit/auth"})
    if (fs::exists(source.home / logins, error))
      plan.warnings.push_back((source.home / logins).string() +
                              " holds provider logins, which Nanobot keeps in HOME, not in its data directory; "
                              "they were not copied (copy them to the instance's home/" + std::string(logins) +
                              " to keep them)");

  for (const auto& [variable, value] : converted.secrets) {
    try {
      check_secret(variable, value);
    } catch (const Error& bad) {
      std::string where;
      for (const auto& placement : converted.placements)
        if (placement.variable == variable) where += (where.empty() ? "" : ", ") + placement.path;
      throw Error(shown + " (" + where + "): " + bad.what() + "; nothing was migrated");
    }
    prepared.values.push_back(value);
    prepared.variables.push_back(variable);
  }

  prepared.copy = plan_copy(source, layout);
  for (const auto& item : prepared.copy.items) plan.copies.push_back({item.from, item.to, item.files, item.bytes});
  plan.skipped = prepared.copy.skipped;

  CreateRequest create;
  create.name = request.name;
  create.port = request.port;
  create.model = converted.model;
  create.soul = fs::exists(source.workspace / "SOUL.md", error) ? "custom" : "assistant";
  create.provider = converted.provider;
  create.api_key_env = converted.api_key_env;
  create.webui_port = request.webui_port;
  prepared.existing = deployment.load_instances();
  plan.instance = plan_instance(deployment, prepared.existing, create, in_use);
  if (request.webui_port) publish_webui(prepared, deployment);

  prepared.config_text = converted.config.dump(2) + "\n";
  prepared.secrets_text = secrets_text(plan.instance, converted, plan.warnings);
  check_converted(prepared, plan.warnings);
  return prepared;
}

void report_hits(const Prepared& prepared, const CopyResult& copied, std::vector<std::string>& warnings) {
  for (const auto& hit : copied.hits)
    warnings.push_back(hit.file.generic_string() + " holds the value of " + prepared.variables[hit.value] +
                       " (copied as it is: remove it there, or the secret stays in the instance's files and "
                       "backups)");
}

}  // namespace

ConvertedConfig convert_nanobot_config(const json& source_config, const std::string& source) {
  if (!source_config.is_object()) throw Error(source + ": expected a JSON object (a Nanobot config.json)");
  ConvertedConfig converted;
  bool nanobot_schema = source_config.contains("agents") || source_config.empty();
  if (!nanobot_schema && !source_config.contains("model"))
    for (const auto& [key, value] : source_config.items())
      if (is_nanobot_section(key)) nanobot_schema = true;
  try {
    if (nanobot_schema) {
      convert_nanobot_schema(source_config, converted);
    } else if (source_config.contains("model")) {
      convert_flat(source_config, converted);
    } else {
      throw Error(source + ": neither Nanobot's schema (agents, providers, channels, ...) nor the flat form (model) "
                           "— is this a Nanobot config.json?");
    }
  } catch (const json::exception& error) {
    throw Error(source + ": unexpected value: " + error.what());
  }
  if (converted.model.empty()) throw Error(source + ": no model (agents.defaults.model)");
  validate_model(converted.model);
  if (converted.provider.empty()) converted.provider = provider_for_model(converted.model);
  return converted;
}

std::size_t MigratePlan::files() const {
  std::size_t total = 0;
  for (const auto& copy : copies) total += copy.files;
  return total;
}

std::uintmax_t MigratePlan::bytes() const {
  std::uintmax_t total = 0;
  for (const auto& copy : copies) total += copy.bytes;
  return total;
}

std::string describe_migration(const MigratePlan& plan, bool dry_run, std::size_t files_copied) {
  const std::string instance_dir = "instances/" + plan.instance.name;
  std::string text = std::string(dry_run ? "Would migrate " : "Migrated ") + plan.data_dir.string() + " to instance '" +
                     plan.instance.name + "' on port " + std::to_string(plan.instance.port) + " (" +
                     std::to_string(dry_run ? plan.files() : files_copied) + " files, " + human_bytes(plan.bytes()) +
                     ")\n";
  std::size_t width = std::string("config/config.json").size();
  for (const auto& copy : plan.copies) width = std::max(width, copy.to.size());
  auto pad = [](std::string text, std::size_t to) { return text + std::string(to > text.size() ? to - text.size() : 0, ' '); };
  for (const auto& copy : plan.copies)
    text += "  " + pad(copy.to, width) + "  " + pad(std::to_string(copy.files) + (copy.files == 1 ? " file" : " files"), 12) + pad(human_bytes(copy.bytes), 10) +
            "  from " + copy.from.string() + "\n";
  text += "  " + pad("config/config.json", width) + "  converted from " + plan.config_file.string() + "\n";
  auto section = [&](const std::string& heading, const std::vector<std::string>& lines) {
    if (lines.empty()) return;
    text += heading + "\n";
    for (const auto& line : lines) text += "  " + line + "\n";
  };
  std::vector<std::string> secrets;
  for (const auto& secret : plan.secrets) secrets.push_back(secret.path + " -> ${" + secret.variable + "}");
  section("Secrets moved to " + instance_dir + "/.env (values not shown):", secrets);
  section("Not copied:", plan.skipped);
  section("Paths rewritten in config.json:", plan.rewritten);
  std::vector<std::string> dropped;
  for (const auto& key : plan.dropped) dropped.push_back(key + ": the container layout decides it");
  section("Dropped from config.json:", dropped);
  if (dry_run) section("Warnings:", plan.warnings);
  if (dry_run) text += "Nothing was changed (--dry-run).\n";
  return text;
}

json migration_json(const MigratePlan& plan) {
  json copies = json::array(), secrets = json::array();
  for (const auto& copy : plan.copies)
    copies.push_back({{"from", copy.from.string()}, {"to", copy.to}, {"files", copy.files}, {"bytes", copy.bytes}});
  for (const auto& secret : plan.secrets) secrets.push_back({{"path", secret.path}, {"variable", secret.variable}});
  return {{"instance", to_json(plan.instance)},
          {"dataDir", plan.data_dir.string()},
          {"configFile", plan.config_file.string()},
          {"workspace", plan.workspace.string()},
          {"copies", copies},
          {"files", plan.files()},
          {"bytes", plan.bytes()},
          {"secrets", secrets},
          {"skipped", plan.skipped},
          {"rewritten", plan.rewritten},
          {"droppedKeys", plan.dropped},
          {"warnings", plan.warnings}};
}

MigratePlan plan_migration(const Deployment& deployment, const MigrateRequest& request, const PortInUse& in_use) {
  Prepared prepared = prepare(deployment, request, in_use);
  report_hits(prepared, copy_planned(prepared.copy, {}, prepared.values), prepared.plan.warnings);
  return prepared.plan;
}

MigrateResult migrate_instance(const Deployment& deployment, const MigrateRequest& request, const PortInUse& in_use) {
  Prepared prepared = prepare(deployment, request, in_use);
  MigrateResult result;
  auto staged = stage_instance(deployment, prepared.plan.instance, std::nullopt);
  const fs::path& dir = staged->path();
  try {
    CopyResult copied = copy_planned(prepared.copy, dir, prepared.values);
    report_hits(prepared, copied, prepared.plan.warnings);
    result.files_copied = copied.files;
    fs::remove(dir / instance_files::kConfig);
    write_new_file(dir / instance_files::kConfig, prepared.config_text);
    fs::remove(dir / instance_files::kSecrets);
    write_new_file(dir / instance_files::kSecrets, prepared.secrets_text, 0600);
    give_secrets_to_instance_group(dir / instance_files::kSecrets);
    finish_directories(prepared.copy, dir);
    prepare_writable_state(dir, deployment_ownership(deployment));
    commit_instance_and_compose(deployment, *staged, std::move(prepared.existing));
  } catch (...) {
    make_removable(dir);  // read-only directories copied from the home
    throw;
  }
  result.plan = std::move(prepared.plan);
  return result;
}

}  // namespace nanoforge::deploy
