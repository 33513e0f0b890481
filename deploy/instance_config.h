// The files an instance is made of, as text: Nanobot's config.json (its real camelCase
// schema), AGENTS.md, INSTANCE_INFO.txt, the .env holding the secret, the override stub.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/deployment.h"
#include "deploy/instance.h"
#include "deploy/secrets_file.h"

namespace nanoforge::deploy {

// The model as the preset "main" (modelPresets.main, agents.defaults.modelPreset; the same
// model, temperature and maxTokens in agents.defaults too), each fallback as a preset
// "fallback-N" listed in agents.defaults.fallbackModels, providers.<key>.apiKey as a "${VAR}"
// placeholder Nanobot resolves from the environment (none for local and OAuth providers) and
// apiBase when given, gateway.{host,port} inside the container.
nlohmann::json nanobot_config(const Instance& instance);
std::string agents_md(const Instance& instance);
// INSTANCE_INFO.txt, from the instance as loaded (model, provider and container ports as its
// config.json says); written again by every compose emit (write_compose).
std::string instance_info(const Instance& instance, const DeploymentSettings& settings);
// The variables config.json refers to for API keys, in the order written: the main provider's
// (unless it is local or OAuth, which need none), then each fallback provider's, once each.
// Known only at create (instance.setup), empty for a loaded instance's fallbacks.
std::vector<std::string> key_variables(const Instance& instance);
// The secrets file (secrets_file.h): comments, then a "VAR=value" line for each of
// key_variables ("VAR=" with a note to fill it in); `api_key` is the main provider's. Throws nanoforge::Error naming VAR when the key cannot be written as a line's value.
std::string secrets_env(const Instance& instance, const std::optional<std::string>& api_key);
// The same file with these variables, in this order (a migration's secrets; a value "" is one
// to fill in; `line` is not used). Throws as above.
std::string secrets_env(const Instance& instance, const std::vector<SecretVariable>& variables);
// Commented example for instances/NAME/docker-compose.override.yml.
std::string override_stub(const Instance& instance);

}  // namespace nanoforge::deploy
