// Upstream Nanobot's config schema as data: the pydantic models of nanobot/config/schema.py
// (and the tool and channel configs it reaches), their fields, the names each field accepts,
// types, constraints and extra-key policy, plus the provider registry
// (nanobot/providers/registry.py). Generated from an upstream checkout by
// tests/tools/nanobot-config-schema.py into deploy/nanobot_config_schema.json, which is
// compiled into nanoforge; the file names the upstream commit it was made from.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nanoforge::deploy::nanobot {

// A field's type, in the generator's grammar: "str" | "int" | "float" | "bool" | "any" | "none"
// | {"list": T} | {"dict": T} | {"model": NAME} | {"literal": [values]} | {"union": [T, ...]}.
struct SchemaType {
  enum class Kind { string, integer, number, boolean, any, none, list, dict, model, literal, union_of };
  Kind kind = Kind::any;
  std::vector<SchemaType> members;  // list/dict: the item type; union: the alternatives
  std::string model;                // model: its name
  nlohmann::json literals;          // literal: the allowed values
  bool allows_null() const;         // none, any, or a union with none
  std::string describe() const;     // "int", "list of str", "str or null", ...
};

struct SchemaField {
  std::string key;                  // as upstream writes it (camelCase or its serialization alias)
  std::vector<std::string> names;   // every key validation accepts (aliases and the python name)
  SchemaType type;
  bool required = false;
  std::optional<double> ge, le, gt, lt;
  std::optional<std::string> pattern;  // searched, as pydantic-core's regex does
  std::optional<std::size_t> min_length, max_length;
};

// pydantic's `extra`: what happens to keys that name no field.
enum class ExtraPolicy { forbid, ignore, allow };

struct SchemaModel {
  std::string name;
  ExtraPolicy extra = ExtraPolicy::ignore;
  std::vector<SchemaField> fields;
  // The field `key` names (any of its accepted names), or null.
  const SchemaField* field_named(const std::string& key) const;
};

// One entry of upstream's PROVIDERS registry (the fields nanoforge uses).
struct ProviderSpec {
  std::string name;                  // the providers.<name> field, snake_case
  std::string config_key;            // the key upstream writes in config.json's providers (camelCase)
  std::vector<std::string> keywords; // model-name keywords, lowercase, in registry order
  bool is_local = false, is_oauth = false, is_direct = false, is_gateway = false;
  bool is_transcription_only = false;
  std::string backend = "openai_compat";  // the client class: anthropic, azure_openai, bedrock, ...
  std::string default_api_base;      // "" when none
  std::string detect_by_base_keyword;
  std::string display_name;
};

class NanobotSchema {
 public:
  // The schema compiled into nanoforge. Throws nanoforge::Error when it does not parse (a
  // broken regeneration; never for user input).
  static const NanobotSchema& upstream();
  // Parses a schema document in the generator's format; throws nanoforge::Error naming the
  // offending model or field.
  static NanobotSchema parse(const nlohmann::json& document);

  const std::string& upstream_commit() const { return commit_; }
  const SchemaModel& root() const { return model(root_); }
  // Throws nanoforge::Error for a name the schema does not define.
  const SchemaModel& model(const std::string& name) const;
  // The config model of a built-in channel (channels.<key>), or null.
  const SchemaModel* channel_model(const std::string& key) const;
  std::vector<std::string> channel_names() const;  // the built-in channels' keys, sorted
  const std::vector<ProviderSpec>& providers() const { return providers_; }
  // registry.find_by_name: '-' read as '_', then pydantic's to_snake; null when no built-in.
  const ProviderSpec* find_provider(const std::string& name) const;

 private:
  std::string commit_;
  std::string root_;
  std::map<std::string, SchemaModel> models_;
  std::map<std::string, std::string> channels_;
  std::vector<ProviderSpec> providers_;
};

// pydantic.alias_generators.to_snake: "lmStudio" -> "lm_studio", "gpt4" -> "gpt_4",
// "azure-openai" -> "azure_openai".
std::string to_snake(const std::string& name);

}  // namespace nanoforge::deploy::nanobot
