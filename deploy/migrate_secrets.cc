#include "deploy/migrate_secrets.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <regex>

#include "deploy/instance.h"

namespace nanoforge::deploy {

using nlohmann::json;

namespace {

// A key names a secret when its normalized name (lower case, '_' and '-' removed) ends with
// one of these. Suffixes, not whole names, so the channel-specific spellings count too:
// botToken, appToken, accessToken, verificationToken, clawToken, webhookSecretToken (token);
// appSecret, clientSecret, tokenIssueSecret, signingSecret (secret); imapPassword,
// smtpPassword, proxyPassword, appPassword (password). Only string values move, so the
// integers and booleans that share an ending (maxTokens, websocketRequiresToken) never do;
// names such as tokenIssuePath, tokenTtlS or identityKey end otherwise.
constexpr std::string_view kSecretKeyEndings[] = {
    "apikey", "token", "secret", "password", "passwd", "passphrase",
    "privatekey", "secretkey", "accesskey", "encryptkey", "signingkey",
};

// Objects whose every string value is a secret: an MCP server's `env` (API keys for the
// server process) and `headers` (Authorization lines), a provider's `extraHeaders`.
constexpr std::string_view kSecretContainers[] = {"env", "headers", "extraheaders"};

// Names a variable of .env must not take, compared case-insensitively: the entrypoint exports
// every line into the app's environment, so these would change how the container runs rather
// than hold a secret. Nanobot reads NANOBOT_* as settings (pydantic-settings env_prefix), the
// entrypoint owns nanoforge_*; the rest is the process environment the image and compose set
// (HOME=/data, the venv's PATH, the locale, proxies passed through) or the dynamic loader and
// Python read.
constexpr std::string_view kReservedPrefixes[] = {"nanobot_", "nanoforge_", "lc_", "xdg_", "python", "ld_"};
constexpr std::string_view kReservedNames[] = {
    "path",        "home",       "user",      "logname",  "shell",    "pwd",     "term",          "hostname",
    "lang",        "language",   "tz",        "tmpdir",   "virtual_env", "http_proxy", "https_proxy", "no_proxy",
    "all_proxy",   "ssl_cert_file", "ssl_cert_dir", "requests_ca_bundle", "oauth_cli_kit_token_path",
    "host_gateway",  // compose sets it (contract::kHostGatewayVariable)
};


bool has_reference(std::string_view text) { return !env_references(text).empty(); }

// "scheme://user:password@host...": a proxy or service URL with its credentials in it.
bool is_url_with_password(std::string_view text) {
  static const std::regex url(R"(^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@)");
  return std::regex_search(text.begin(), text.end(), url);
}

// "botToken" -> "BOT_TOKEN", "api_key" -> "API_KEY", "X-Api-Key" -> "X_API_KEY".
std::string upper_snake(std::string_view word) {
  std::string out;
  for (std::size_t i = 0; i < word.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(word[i]);
    if (std::isupper(c) && i > 0 &&
        (std::islower(static_cast<unsigned char>(word[i - 1])) || std::isdigit(static_cast<unsigned char>(word[i - 1]))))
      out += '_';
    out += std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_';
  }
  return out;
}

std::string variable_from(const std::vector<std::string>& words) {
  std::string joined;
  for (const auto& word : words) joined += (joined.empty() ? "" : "_") + upper_snake(word);
  std::string out;
  for (char c : joined)
    if (c != '_' || (!out.empty() && out.back() != '_')) out += c;
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out = "V_" + out;
  return out;
}

bool usable_name(const std::string& name) {
  static const std::regex valid("[A-Za-z_][A-Za-z0-9_]*");
  return std::regex_match(name, valid) && !is_reserved_variable(name);
}

// The names a secret at `path` may take, best first (see the header).
std::vector<std::string> candidate_names(const std::vector<std::string>& path) {
  std::vector<std::string> names;
  auto rest = [&](std::size_t from) { return std::vector<std::string>(path.begin() + from, path.end()); };
  const std::string first = path.empty() ? "" : path[0];
  if (first == "providers" && path.size() == 3 && normalized_key(path[2]) == "apikey") {
    names.push_back(default_api_key_env(path[1]));
  } else if ((first == "providers" || first == "channels") && path.size() >= 3) {
    names.push_back(variable_from(rest(1)));
  } else if (first == "api" && path.size() == 2 && normalized_key(path[1]) == "apikey") {
    names.push_back("SERVE_API_KEY");  // the key `nanobot serve` asks clients for
  } else if (first == "tools" && path.size() >= 4 && normalized_key(path[1]) == "mcpservers") {
    // The server's own name for it when that names a secret (GITHUB_TOKEN), not when it is
    // process environment such as PATH or NODE_ENV.
    if (path.size() == 5 && normalized_key(path[3]) == "env" && is_secret_key(path[4])) names.push_back(path[4]);
    names.push_back(variable_from({"mcp", path[2], path.back()}));
  } else if (first == "tools" && path.size() >= 2) {
    names.push_back(variable_from(rest(1)));
  }
  names.push_back(variable_from(path));
  return names;
}

class SecretMover {
 public:
  explicit SecretMover(SecretMove& move) : move_(move) {}

  void collect_references(const json& node) {
    if (node.is_string()) {
      for (auto& name : env_references(node.get_ref<const std::string&>())) {
        move_.referenced.insert(name);
        taken_[name] = std::nullopt;
      }
    } else if (node.is_structured()) {
      for (const auto& child : node) collect_references(child);
    }
  }

  void walk(json& node, std::vector<std::string>& path, bool all_secret) {
    if (node.is_object()) {
      for (auto& [key, value] : node.items()) {
        path.push_back(key);
        if (value.is_string()) {
          if (all_secret || is_secret_key(key) || is_url_with_password(value.get_ref<const std::string&>()))
            move(value, path, path);
        } else {
          walk(value, path, all_secret || (value.is_object() && is_secret_container(key)));
        }
        path.pop_back();
      }
    } else if (node.is_array()) {
      walk_array(node, path, all_secret);
    }
  }

 private:
  // Command lines (an MCP server's args): "--api-key=VALUE" and "--token", "VALUE" carry a
  // secret just as a key would; the flag's name names the variable.
  void walk_array(json& array, std::vector<std::string>& path, bool all_secret) {
    std::string pending_flag;
    for (std::size_t i = 0; i < array.size(); ++i) {
      json& element = array[i];
      path.push_back(std::to_string(i));
      if (!element.is_string()) {
        walk(element, path, all_secret);
        pending_flag.clear();
        path.pop_back();
        continue;
      }
      std::string text = element.get<std::string>();
      std::vector<std::string> named = path;
      if (!pending_flag.empty() && text.rfind("-", 0) != 0) {
        named.back() = pending_flag;
        move(element, path, named);
      } else if (text.rfind("--", 0) == 0 && text.find('=') != std::string::npos &&
                 is_secret_key(text.substr(2, text.find('=') - 2))) {
        std::size_t equals = text.find('=');
        json value = text.substr(equals + 1);
        named.back() = text.substr(2, equals - 2);
        if (move(value, path, named)) element = text.substr(0, equals + 1) + value.get<std::string>();
      } else if (all_secret || is_url_with_password(text)) {
        move(element, path, path);
      }
      pending_flag = text.rfind("--", 0) == 0 && text.find('=') == std::string::npos && is_secret_key(text.substr(2))
                         ? text.substr(2)
                         : "";
      path.pop_back();
    }
  }

  // Moves the string `value` found at `path` (named after `naming`); false when it stays.
  bool move(json& value, const std::vector<std::string>& path, const std::vector<std::string>& naming) {
    const std::string text = value.get<std::string>();
    if (text.empty() || has_reference(text)) return false;
    std::string variable = name_for(naming, text);
    taken_[variable] = text;
    std::string dotted;
    for (const auto& part : path) dotted += (dotted.empty() ? "" : ".") + part;
    move_.moved.push_back({dotted, variable, text});
    value = "${" + variable + "}";
    return true;
  }

  std::string name_for(const std::vector<std::string>& path, const std::string& value) {
    auto fits = [&](const std::string& name) {
      if (!usable_name(name)) return false;
      auto it = taken_.find(name);
      return it == taken_.end() || it->second == value;
    };
    auto candidates = candidate_names(path);
    for (const auto& name : candidates)
      if (fits(name)) return name;
    std::string base = variable_from(path);
    if (!usable_name(base)) base = "MIGRATED_" + base;
    for (int suffix = 2;; ++suffix)
      if (fits(base + "_" + std::to_string(suffix))) return base + "_" + std::to_string(suffix);
  }

  SecretMove& move_;
  std::map<std::string, std::optional<std::string>> taken_;  // name -> its value (none: referenced)
};

}  // namespace

bool is_secret_key(std::string_view key) {
  std::string name = normalized_key(key);
  return std::any_of(std::begin(kSecretKeyEndings), std::end(kSecretKeyEndings),
                     [&](std::string_view ending) { return name.ends_with(ending); });
}

bool is_secret_container(std::string_view key) {
  std::string name = normalized_key(key);
  return std::find(std::begin(kSecretContainers), std::end(kSecretContainers), name) != std::end(kSecretContainers);
}

std::vector<std::string> secret_references(std::string_view text) {
  std::vector<std::string> names;
  for (auto& name : env_references(text))
    if (!is_reserved_variable(name) && std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(std::move(name));
  return names;
}

bool is_reserved_variable(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::any_of(std::begin(kReservedPrefixes), std::end(kReservedPrefixes),
                     [&](std::string_view prefix) { return lower.rfind(prefix, 0) == 0; }) ||
         std::find(std::begin(kReservedNames), std::end(kReservedNames), lower) != std::end(kReservedNames);
}

std::vector<std::string> env_references(std::string_view text) {
  static const std::regex reference(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)\})");
  std::vector<std::string> names;
  for (std::cregex_iterator it(text.data(), text.data() + text.size(), reference), end; it != end; ++it)
    names.push_back((*it)[1].str());
  return names;
}

SecretMove move_secrets_to_environment(json& config) {
  SecretMove move;
  SecretMover mover(move);
  mover.collect_references(config);
  std::vector<std::string> path;
  mover.walk(config, path, false);
  return move;
}

}  // namespace nanoforge::deploy
