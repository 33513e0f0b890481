#include "oci/registry/credentials.h"


#include <cstdlib>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/base64.h"
#include "base/error.h"
#include "base/remote_reference.h"
#include "base/subprocess.h"

namespace nanoforge::oci {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

fs::path docker_config_file() {
  if (auto directory = environment("DOCKER_CONFIG"); !directory.empty()) return fs::path(directory) / "config.json";
  if (auto home = environment("HOME"); !home.empty()) return fs::path(home) / ".docker" / "config.json";
  return {};
}

std::vector<fs::path> credential_files() {
  std::vector<fs::path> files;
  if (auto file = environment("REGISTRY_AUTH_FILE"); !file.empty()) files.emplace_back(file);
  if (auto runtime = environment("XDG_RUNTIME_DIR"); !runtime.empty())
    files.push_back(fs::path(runtime) / "containers" / "auth.json");
  if (auto file = docker_config_file(); !file.empty()) files.push_back(file);
  return files;
}

// The keys a registry may be stored under: "host", "https://host", "http://host", and for
// Docker Hub its historical index URL.
std::vector<std::string> keys_for(const std::string& registry) {
  std::string host = normalize_registry_host(registry);
  std::vector<std::string> keys{host, "https://" + host, "http://" + host};
  if (host == "docker.io") {
    keys.insert(keys.begin(), "https://index.docker.io/v1/");
    keys.push_back("index.docker.io");
    keys.push_back("registry-1.docker.io");
  }
  return keys;
}

std::optional<json> read_json_file(const fs::path& file) {
  std::error_code error;
  if (!fs::exists(file, error)) return std::nullopt;
  auto text = read_file(file);
  try {
    auto parsed = json::parse(text);
    if (!parsed.is_object()) throw Error(file.string() + ": expected a JSON object");
    return parsed;
  } catch (const json::parse_error& error) {
    throw Error(file.string() + ": not valid JSON: " + error.what());
  }
}

std::optional<Credentials> from_auth_entry(const json& entry, const fs::path& file, const std::string& key) {
  if (!entry.is_object()) return std::nullopt;
  Credentials credentials;
  credentials.source = file.string();
  if (entry.contains("auth") && entry["auth"].is_string() && !entry["auth"].get<std::string>().empty()) {
    auto decoded_or_not = base64_decode(entry["auth"].get<std::string>());
    if (!decoded_or_not) throw Error(file.string() + ": auths[\"" + key + "\"].auth is not valid base64");
    const std::string& decoded = *decoded_or_not;
    auto colon = decoded.find(':');
    if (colon == std::string::npos)
      throw Error(file.string() + ": auths[\"" + key + "\"].auth does not decode to 'user:password'");
    credentials.username = decoded.substr(0, colon);
    credentials.password = decoded.substr(colon + 1);
  } else if (entry.contains("username") && entry["username"].is_string()) {
    credentials.username = entry["username"].get<std::string>();
    credentials.password = entry.value("password", "");
  }
  if (entry.contains("identitytoken") && entry["identitytoken"].is_string())
    credentials.identity_token = entry["identitytoken"].get<std::string>();
  if (credentials.username.empty() && credentials.identity_token.empty()) return std::nullopt;
  return credentials;
}

// Runs `docker-credential-<helper> ACTION` with `input` on stdin. Its stderr is dropped: a
// helper may echo what it was given, and that includes secrets.
ProcessResult run_helper(const std::string& helper, const std::string& action, const std::string& input) {
  std::string program = "docker-credential-" + helper;
  if (!program_exists(program)) throw Error("credential helper " + program + " is not installed (named in the Docker config)");
  ProcessOptions options;
  options.input = input;
  options.timeout_seconds = 60;
  return run_process({program, action}, options);
}

// The helper that holds `key`'s secret, as `docker login` chooses it: credHelpers[key],
// else credsStore; empty when the file keeps secrets itself.
std::string helper_for(const json& config, const std::string& key) {
  if (config.contains("credHelpers") && config["credHelpers"].is_object() && config["credHelpers"].contains(key) &&
      config["credHelpers"][key].is_string())
    return config["credHelpers"][key].get<std::string>();
  if (config.contains("credsStore") && config["credsStore"].is_string()) return config["credsStore"].get<std::string>();
  return "";
}

}  // namespace

std::optional<Credentials> credentials_from_helper(const std::string& helper, const std::string& server) {
  std::string program = "docker-credential-" + helper;
  auto answered = run_helper(helper, "get", server);
  const std::string& output = answered.output;
  if (!answered.ok()) {
    // The protocol's answer for "nothing stored"; its text is not a secret.
    if (output.find("credentials not found") != std::string::npos) return std::nullopt;
    throw Error("credential helper " + program + " failed for " + server + " (exit " +
                std::to_string(answered.exit_code) + ")");
  }
  json answer;
  try {
    answer = json::parse(output);
  } catch (const json::parse_error&) {
    throw Error("credential helper " + program + " did not answer with JSON for " + server);
  }
  Credentials credentials;
  credentials.source = program;
  std::string username = answer.value("Username", "");
  std::string secret = answer.value("Secret", "");
  if (username == "<token>") {
    credentials.identity_token = secret;
  } else {
    credentials.username = username;
    credentials.password = secret;
  }
  if (credentials.username.empty() && credentials.identity_token.empty()) return std::nullopt;
  return credentials;
}

std::optional<Credentials> find_credentials(const std::string& registry) {
  auto keys = keys_for(registry);
  for (const auto& file : credential_files()) {
    auto config = read_json_file(file);
    if (!config) continue;
    if (config->contains("credHelpers") && (*config)["credHelpers"].is_object()) {
      for (const auto& key : keys) {
        auto& helpers = (*config)["credHelpers"];
        if (helpers.contains(key) && helpers[key].is_string())
          if (auto found = credentials_from_helper(helpers[key].get<std::string>(), key)) return found;
      }
    }
    if (config->contains("auths") && (*config)["auths"].is_object()) {
      auto& auths = (*config)["auths"];
      for (const auto& key : keys)
        if (auths.contains(key))
          if (auto found = from_auth_entry(auths[key], file, key)) return found;
    }
    if (config->contains("credsStore") && (*config)["credsStore"].is_string()) {
      auto helper = (*config)["credsStore"].get<std::string>();
      if (!helper.empty())
        if (auto found = credentials_from_helper(helper, keys.front())) return found;
    }
  }
  return std::nullopt;
}

fs::path login_file() {
  if (auto file = environment("REGISTRY_AUTH_FILE"); !file.empty()) return file;
  auto file = docker_config_file();
  if (file.empty()) throw Error("cannot tell where to store credentials: set HOME, DOCKER_CONFIG or REGISTRY_AUTH_FILE");
  return file;
}

void store_credentials(const fs::path& file, const std::string& registry, const std::string& username,
                       const std::string& password) {
  if (username.find(':') != std::string::npos) throw Error("a registry user name cannot contain ':'");
  auto config = read_json_file(file).value_or(json::object());
  if (!config.contains("auths") || !config["auths"].is_object()) config["auths"] = json::object();
  std::string key = normalize_registry_host(registry) == "docker.io" ? "https://index.docker.io/v1/"
                                                                      : normalize_registry_host(registry);
  if (auto helper = helper_for(config, key); !helper.empty()) {
    // The secret goes to the helper (a keychain, pass, ...); the file only lists the host.
    auto stored = run_helper(helper, "store",
                             json{{"ServerURL", key}, {"Username", username}, {"Secret", password}}.dump());
    if (!stored.ok())
      throw Error("credential helper docker-credential-" + helper + " could not store credentials for " + key +
                  " (exit " + std::to_string(stored.exit_code) + ")");
    config["auths"][key] = json::object();
  } else {
    config["auths"][key] = {{"auth", base64_encode(username + ":" + password)}};
  }
  std::error_code error;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), error);
  write_file_atomically(file, config.dump(1, '\t') + "\n", 0600);
}

}  // namespace nanoforge::oci
