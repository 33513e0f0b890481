// Which provider upstream Nanobot's gateway builds for a config, and whether it can: the
// active model preset (schema.py Config.resolve_preset), the provider it matches
// (Config._match_provider: a forced name, a model prefix, the registry's keywords in registry
// order, configured local endpoints, any key) and the setup checks of providers/factory.py
// _resolve_provider_setup. Each takes a migrated config (loader._migrate_config applied),
// with `${VAR}` resolved or not as the caller needs: an unresolved reference counts as a key.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "deploy/nanobot_schema.h"

namespace nanoforge::deploy::nanobot {

struct ActivePreset {
  std::string name;                                // "" when agents.defaults' own fields apply
  std::string model = "anthropic/claude-opus-4-5";
  std::string provider = "auto";                   // a provider name, or "auto"
};
ActivePreset active_preset(const NanobotSchema& schema, const nlohmann::json& config);

// The name of the provider Config._match_provider picks for `model` (`forced` as the preset's
// provider): a built-in's registry name or a custom provider's key as written; "" for none.
std::string matched_provider(const NanobotSchema& schema, const nlohmann::json& config, const std::string& model,
                             const std::string& forced);

// Upstream's error for the active preset's provider ("No provider is configured for model
// '...'.", "Provider 'x' requires api_base in config.", ...), or "" when the setup is usable.
std::string provider_setup_error(const NanobotSchema& schema, const nlohmann::json& config);

// The provider to write a key for when an instance is created for `model` (nothing is
// configured yet, so no key decides): a "prefix/" that names a built-in provider, else the
// first cloud provider (not local, OAuth or transcription-only) whose registry keyword the
// model contains, in registry order as _match_provider reads them; else "openrouter", a
// gateway that routes any model. Returns the registry name ("openai", "lm_studio").
std::string guess_provider(const NanobotSchema& schema, const std::string& model);

// The value of `model`'s field `key` (the key upstream writes; any accepted name matches) in
// `object`, or null when `object` is not an object or does not set it.
const nlohmann::json* field_value(const nlohmann::json& object, const SchemaModel& model, const std::string& key);

}  // namespace nanoforge::deploy::nanobot
