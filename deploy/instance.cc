#include "deploy/instance.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "base/atomic_file.h"
#include "base/error.h"
#include "deploy/secrets_file.h"
#include "base/remote_reference.h"
#include "deploy/nanobot_provider_match.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;
using nlohmann::json;

std::string VolumeMount::compose_form() const {
  return host + ":" + container + (read_only ? ":ro" : "");
}

std::string to_string(RuntimeMode mode) {
  return mode == RuntimeMode::mounted ? "mounted" : "self-contained";
}

RuntimeMode parse_runtime_mode(std::string_view text) {
  if (text == "mounted") return RuntimeMode::mounted;
  if (text == "self-contained") return RuntimeMode::self_contained;
  throw Error("unknown runtime mode '" + std::string(text) +
              "': expected 'mounted' (shared ./venv mounted read-only) or 'self-contained'");
}

std::vector<int> Instance::host_ports() const {
  std::vector<int> ports{port};
  if (webui_port) ports.push_back(*webui_port);
  if (api_port) ports.push_back(*api_port);
  return ports;
}

std::vector<std::string> Instance::services() const {
  std::vector<std::string> names{name};
  if (api_port) names.push_back(api_service());
  return names;
}

std::vector<VolumeMount> Instance::volumes(RuntimeMode mode) const {
  std::string dir = "./" + instance_files::directory(name).string();
  std::vector<VolumeMount> mounts;
  if (mode == RuntimeMode::mounted) mounts.push_back({"./venv", contract::kVenvMountPoint, true});
  // HOME, writable; config/ and workspace/ over its .nanobot and workspace, whose mount points
  // exist in home/ (prepare_writable_state), so the engine never creates them as root.
  mounts.push_back({dir + "/" + instance_files::kHome, "/data", false});
  mounts.push_back({dir + "/config", "/data/.nanobot", false});
  mounts.push_back({dir + "/workspace", "/data/workspace", false});
  // The secrets reach the app through the image's entrypoint, never through the compose
  // tool, which would expand $ and strip quotes (secrets_file.h).
  mounts.push_back({dir + "/" + instance_files::kSecrets, kSecretsMountPoint, true});
  return mounts;
}

namespace instance_files {
fs::path directory(std::string_view name) { return fs::path("instances") / std::string(name); }

namespace {
const char* const kLoginDirectories[] = {"config/auth", "config/whatsapp-auth"};
const std::filesystem::path kAppDataDirectory = "home/.local/share";  // XDG_DATA_HOME in the container
}  // namespace

bool is_credential_store(const std::filesystem::path& relative) {
  std::string path = relative.lexically_normal().generic_string();
  for (const char* login : kLoginDirectories)
    if (path == login) return true;
  // home/.local/share/APP/auth: APP is one component.
  auto parent = relative.lexically_normal().parent_path();
  return relative.filename() == "auth" && parent.parent_path() == kAppDataDirectory && !parent.filename().empty();
}

std::vector<std::filesystem::path> credential_stores(const std::filesystem::path& instance_dir) {
  std::vector<std::filesystem::path> stores;
  std::error_code ignored;
  for (const char* login : kLoginDirectories)
    if (std::filesystem::is_directory(instance_dir / login, ignored)) stores.emplace_back(login);
  if (std::filesystem::is_directory(instance_dir / kAppDataDirectory, ignored))
    for (const auto& app : std::filesystem::directory_iterator(instance_dir / kAppDataDirectory, ignored))
      if (std::filesystem::is_directory(app.path() / "auth", ignored))
        stores.push_back(kAppDataDirectory / app.path().filename() / "auth");
  std::sort(stores.begin(), stores.end());
  return stores;
}
}  // namespace instance_files

json to_json(const Instance& instance) {
  json out = {
      {"name", instance.name},
      {"port", instance.port},
      {"model", instance.model},
      {"soul", instance.soul},
      {"provider", instance.provider},
      {"apiKeyEnv", instance.api_key_env},
      {"restart", instance.restart},
      {"limits",
       {{"cpus", instance.limits.cpus},
        {"memory", instance.limits.memory},
        {"reservedCpus", instance.limits.reserved_cpus},
        {"reservedMemory", instance.limits.reserved_memory}}},
      {"logging", {{"maxSize", instance.logging.max_size}, {"maxFiles", instance.logging.max_files}}},
  };
  if (instance.webui_port) out["webuiPort"] = *instance.webui_port;
  if (instance.api_port) out["apiPort"] = *instance.api_port;
  return out;
}

namespace {

template <typename T>
T field(const json& object, const char* key, const std::string& source, const T& fallback,
        bool required = false) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) {
    if (required) throw Error(source + ": missing field '" + key + "'");
    return fallback;
  }
  try {
    return found->get<T>();
  } catch (const json::exception&) {
    throw Error(source + ": field '" + key + "' has the wrong type (" + found->type_name() + ")");
  }
}

}  // namespace

Instance instance_from_json(const json& object, const std::string& source) {
  if (!object.is_object()) throw Error(source + ": expected a JSON object");
  Instance instance;
  instance.name = field<std::string>(object, "name", source, "", true);
  instance.port = field<int>(object, "port", source, 0, true);
  instance.model = field<std::string>(object, "model", source, "", true);
  instance.soul = field<std::string>(object, "soul", source, "custom");
  instance.provider = field<std::string>(object, "provider", source, provider_for_model(instance.model));
  instance.api_key_env =
      field<std::string>(object, "apiKeyEnv", source, default_api_key_env(instance.provider));
  // Records written before config.json became the one place for temperature and maxTokens
  // hold them too; they are left unread.
  instance.restart = field<std::string>(object, "restart", source, "unless-stopped");
  if (object.contains("webuiPort") && !object["webuiPort"].is_null())
    instance.webui_port = field<int>(object, "webuiPort", source, 0);
  if (object.contains("apiPort") && !object["apiPort"].is_null())
    instance.api_port = field<int>(object, "apiPort", source, 0);
  if (auto limits = object.find("limits"); limits != object.end()) {
    std::string where = source + " (limits)";
    instance.limits.cpus = field<std::string>(*limits, "cpus", where, instance.limits.cpus);
    instance.limits.memory = field<std::string>(*limits, "memory", where, instance.limits.memory);
    instance.limits.reserved_cpus =
        field<std::string>(*limits, "reservedCpus", where, instance.limits.reserved_cpus);
    instance.limits.reserved_memory =
        field<std::string>(*limits, "reservedMemory", where, instance.limits.reserved_memory);
  }
  if (auto logging = object.find("logging"); logging != object.end()) {
    std::string where = source + " (logging)";
    instance.logging.max_size = field<std::string>(*logging, "maxSize", where, instance.logging.max_size);
    instance.logging.max_files = field<int>(*logging, "maxFiles", where, instance.logging.max_files);
  }
  try {
    validate_instance_name(instance.name);
    validate_port(instance.port);
    if (instance.webui_port) validate_port(*instance.webui_port, "webuiPort");
    if (instance.api_port) validate_port(*instance.api_port, "apiPort");
    validate_model(instance.model);
    validate_soul(instance.soul);
    validate_provider(instance.provider);
    validate_env_var_name(instance.api_key_env);
  } catch (const Error& error) {
    throw Error(source + ": " + error.what());
  }
  return instance;
}

void validate_instance_name(std::string_view name) {
  auto quoted = "'" + std::string(name) + "'";
  if (name.empty()) throw Error("instance name is empty: expected 1-63 of a-z, 0-9 and '-'");
  if (name.size() > 63)
    throw Error("instance name " + quoted + " is " + std::to_string(name.size()) +
                " characters long: at most 63 are allowed (it becomes a DNS label)");
  bool characters_ok = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (!characters_ok || name.front() == '-' || name.back() == '-')
    throw Error("invalid instance name " + quoted +
                ": expected lower-case letters, digits and '-', starting and ending with a "
                "letter or digit (^[a-z0-9]([a-z0-9-]*[a-z0-9])?$)");
}

void validate_port(int port, std::string_view what) {
  if (port < 1024 || port > 65535)
    throw Error("invalid " + std::string(what) + " " + std::to_string(port) +
                ": expected a number from 1024 to 65535 (ports below 1024 need root on the host)");
}

void validate_model(std::string_view model) {
  if (model.empty()) throw Error("model name is empty: expected e.g. gpt-4o-mini or anthropic/claude-3-5-sonnet");
  if (model.size() > 200) throw Error("model name is longer than 200 characters");
  for (char c : model) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == '/' || c == ':' || c == '@'))
      throw Error("invalid model name '" + std::string(model) +
                  "': expected letters, digits and - _ . / : @ only");
  }
}

void validate_provider(std::string_view provider) {
  // A key of config.json's providers and a word of INSTANCE_INFO.txt: a name, never text that
  // could start a line of its own there.
  bool ok = !provider.empty() && provider.size() <= 64 &&
            std::all_of(provider.begin(), provider.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
            });
  if (!ok)
    throw Error("invalid provider name '" + std::string(provider) +
                "': expected 1-64 letters, digits, '_' and '-' (a key of Nanobot's providers, e.g. openai)");
}

void validate_api_base(std::string_view url) {
  static const std::regex endpoint(R"(https?://([A-Za-z0-9._-]+|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[^\s]*)?)");
  if (!std::regex_match(std::string(url), endpoint))
    throw Error("--api-base '" + std::string(url) +
                "': expected an http:// or https:// URL with a host, e.g. 'http://${HOST_GATEWAY}:8000/v1' (in single "
                "quotes, so the shell does not expand ${HOST_GATEWAY}, which is the host seen from the container)");
}

std::optional<std::string> via_host_gateway(const std::string& url) {
  static const std::regex loopback(R"(^([A-Za-z][A-Za-z0-9+.-]*://)(localhost|127\.[0-9.]+|\[::1\])(?=:|/|$))",
                                   std::regex::icase);
  if (!std::regex_search(url, loopback)) return std::nullopt;
  return std::regex_replace(url, loopback, std::string("$1${") + contract::kHostGatewayVariable + "}",
                            std::regex_constants::format_first_only);
}

void validate_publish_address(std::string_view address) {
  in_addr parsed{};
  if (::inet_pton(AF_INET, std::string(address).c_str(), &parsed) != 1)
    throw Error("invalid publish address '" + std::string(address) +
                "': expected an IPv4 address such as 127.0.0.1 or 0.0.0.0");
}

void validate_image_reference(const std::string& image) {
  try {
    RemoteReference::parse(image);
  } catch (const Error& error) {
    throw Error("invalid image '" + image + "': " + error.what());
  }
}

const std::vector<std::string>& known_souls() {
  static const std::vector<std::string> souls{"assistant", "expert", "creative", "custom"};
  return souls;
}

void validate_soul(std::string_view soul) {
  const auto& souls = known_souls();
  if (std::find(souls.begin(), souls.end(), soul) == souls.end())
    throw Error("unknown soul '" + std::string(soul) + "': expected assistant, expert, creative or custom");
}

void validate_env_var_name(std::string_view name) {
  bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front())) &&
            std::all_of(name.begin(), name.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
            });
  if (!ok)
    throw Error("invalid environment variable name '" + std::string(name) +
                "': expected letters, digits and '_', not starting with a digit");
}

std::string provider_for_model(std::string_view model) {
  return nanobot::guess_provider(nanobot::NanobotSchema::upstream(), std::string(model));
}

std::string default_api_key_env(std::string_view provider) {
  std::string variable;
  for (char c : provider)
    variable += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
  return variable + "_API_KEY";
}

json parse_json_file(const fs::path& path) { return parse_json_text(read_file(path), path.string()); }

void check_json_text(const std::string& text, const std::string& source) {
  if (!json::accept(text)) parse_json_text(text, source);  // throws, naming line and column
}

json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& error) {
    // nlohmann reports a byte offset; people edit lines.
    std::size_t offset = std::min<std::size_t>(error.byte == 0 ? 0 : error.byte - 1, text.size());
    std::size_t line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n');
    auto line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    std::size_t column = offset - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
    std::string reason = error.what();
    if (auto colon = reason.find("syntax error"); colon != std::string::npos) reason = reason.substr(colon);
    throw Error(source + ":" + std::to_string(line) + ":" + std::to_string(column) +
                ": not valid JSON: " + reason);
  }
}

}  // namespace nanoforge::deploy
