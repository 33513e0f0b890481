// `instance migrate`: every secret of a Nanobot config.json moves to the instance's secrets
// file (secrets_file.h) and config.json keeps a "${VAR}" reference in its place, which
// Nanobot resolves from the container's environment (HKUDS/nanobot 3852956a
// nanobot/config/loader.py resolve_config_env_vars: `\$\{([A-Za-z_][A-Za-z0-9_]*)\}` inside
// any string value, after validation).
#pragma once
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/closest_name.h"  // normalized_key, which the keys here are compared by

namespace nanoforge::deploy {

// True when a string at a key of this name is a secret: the name, lower-cased with '_' and '-'
// removed (so camelCase and snake_case agree), ends with one of the secret words
// (apiKey, token, secret, password, ...; the table is in migrate_secrets.cc).
bool is_secret_key(std::string_view key);

// True when every string value inside an object at a key of this name is a secret: MCP
// servers' `env` and `headers`, providers' `extraHeaders` (Authorization lines and the like).
bool is_secret_container(std::string_view key);

// True for names .env must not set because the container's environment holds them or
// something other than a secret reads them: NANOBOT_* (Nanobot's settings), nanoforge_* (the
// entrypoint's), PATH, HOME, the locale, proxies, LD_*, PYTHON*, ... (the table is in
// migrate_secrets.cc). Case-insensitive.
bool is_reserved_variable(std::string_view name);

// The names `text` refers to as "${NAME}" (upstream's pattern, no defaults, no escapes).
std::vector<std::string> env_references(std::string_view text);
// Those a secrets file must supply: each once, in the order `text` first names them, without
// the reserved ones (is_reserved_variable: the container's environment has those).
std::vector<std::string> secret_references(std::string_view text);

struct MovedSecret {
  std::string path;      // upstream's dotted location, e.g. "channels.telegram.token"
  std::string variable;  // the .env variable that now holds it, e.g. "TELEGRAM_TOKEN"
  std::string value;     // the literal found in the source; never printed
};

struct SecretMove {
  std::vector<MovedSecret> moved;   // in document order (keys sorted)
  // Variables the source config already referred to as "${VAR}" (its own environment
  // supplied them, so the migrated instance's .env must), in name order.
  std::set<std::string> referenced;
};

// Replaces, in `config`, each non-empty string that is a secret (is_secret_key,
// is_secret_container, or a URL carrying a password, "scheme://user:pass@host") and holds no
// "${...}" reference yet by "${VAR}", and returns what moved where. Variable names come from
// the path and are unique (one value per name; the same value found twice shares a name):
// providers.P.apiKey -> P_API_KEY (default_api_key_env, the established name); channels.C.K
// -> C_K (TELEGRAM_TOKEN, SLACK_BOT_TOKEN); api.apiKey -> SERVE_API_KEY;
// tools.mcpServers.S.env.NAME -> NAME when NAME names a secret (GITHUB_TOKEN), else
// MCP_S_NAME; tools.mcpServers.S.headers.H -> MCP_S_H; tools.X... -> X_...; anything else
// the whole path. Names are never reserved (is_reserved_variable) and never one the config
// already refers to. Throws nothing but std::bad_alloc.
SecretMove move_secrets_to_environment(nlohmann::json& config);

}  // namespace nanoforge::deploy
