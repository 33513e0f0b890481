// Checking a Nanobot config.json as upstream Nanobot's loader would, before anything starts:
// JSON syntax, a top-level object, upstream's legacy-key migration (loader._migrate_config),
// pydantic validation in lax mode against the schema (nanobot_schema.h) with upstream's
// hand-written validators, `${VAR}` references against the environment the container gets,
// and the provider the gateway would build (providers/factory.py _resolve_provider_setup).
// Upstream stops at the first failing stage; so does the verdict here, with every error of
// that stage. Keys upstream drops silently (unknown nested keys) are warnings, with the
// closest setting's name as a suggestion.
//
// Follows HKUDS/nanobot nanobot/config/{loader,schema,errors}.py at the commit the schema
// names (NanobotSchema::upstream_commit()).
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nanoforge::deploy {

namespace nanobot {
class NanobotSchema;
}

// Upstream's ConfigLoadError kinds, in the order the loader meets them, then the checks
// `nanobot gateway` makes at start (cli/webui_support.py _validate_gateway_startup): the
// WebSocket channel's settings ("gateway"), then the provider
// (providers/factory.py validate_provider_setup).
enum class ConfigStage { ok, invalid_json, invalid_root, invalid_schema, missing_env, gateway, provider };
std::string to_string(ConfigStage stage);  // "ok", "invalid_json", ... as upstream names them

struct ConfigIssue {
  bool error = true;       // false: a warning (the instance runs, perhaps not as meant)
  ConfigStage stage = ConfigStage::invalid_schema;
  std::string path;        // upstream's dotted location: "agents.defaults.maxTokens", "" for the file
  std::string message;     // what is wrong and, where known, what to write instead
  int line = 0;            // 1-based line of the key in the file; 0 when unknown
};

struct ConfigCheck {
  ConfigStage stage = ConfigStage::ok;  // the first stage that failed
  std::vector<ConfigIssue> issues;      // errors of that stage, then every warning
  std::vector<std::string> ignored;     // dotted paths of keys upstream drops silently
  bool ok() const { return stage == ConfigStage::ok; }
  // The gateway starts (perhaps without a model: a provider failure is fatal only with the
  // WebSocket channel disabled; with it, the gateway serves the WebUI to configure one).
  bool starts() const { return error_count() == 0; }
  std::size_t error_count() const;
  std::size_t warning_count() const;
};

// Checks config.json's `text`. `environment` holds the variables the container will have
// (name -> value; an empty value is a warning where a `${VAR}` uses it). `source` names the
// file in messages only. Never throws for bad input: every fault is an issue.
ConfigCheck check_nanobot_config(const std::string& text, const std::map<std::string, std::string>& environment);
ConfigCheck check_nanobot_config(const std::string& text, const std::map<std::string, std::string>& environment,
                                 const nanobot::NanobotSchema& schema);

// "instances/alice/config/config.json:12: agents.defaults.maxToken: not a Nanobot setting ..."
// for each issue, `file` leading each line.
std::string describe_issues(const ConfigCheck& check, const std::string& file);

// The upstream commit the compiled-in schema follows ("3852956a...").
std::string nanobot_schema_commit();

// What config.json says Nanobot will run as, for everything nanoforge shows or renders from
// it (instance list, INSTANCE_INFO.txt, the compose ports and healthcheck): upstream's
// defaults where the file says nothing, and never an error (a value of the wrong type reads
// as the default; `instance check` reports it).
struct AppSettings {
  std::string model = "anthropic/claude-opus-4-5";  // the active preset's model (Config.resolve_preset)
  std::string preset;                                // agents.defaults.modelPreset, "" for none
  std::string provider;      // the provider Config._match_provider picks ("${VAR}" keys count as set), "" for none
  int gateway_port = 18790;  // gateway.port, inside the container
  int webui_port = 8765;     // channels.websocket.port, inside the container
  int api_port = 8900;       // api.port, inside the container
  bool websocket_enabled = true;
};
AppSettings read_app_settings(const nlohmann::json& config);

}  // namespace nanoforge::deploy
