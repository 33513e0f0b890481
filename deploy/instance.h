// The instance model: everything nanoforge knows about one Nanobot instance, in one place.
// The compose emitter, status, backup and any later emitter (e.g. Kubernetes) read this
// struct; nothing else decides an instance's ports, volumes, secrets or limits.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/container_contract.h"

namespace nanoforge::deploy {

// The first host port handed out when `instance create` is given none: the container's own.
inline constexpr int kFirstInstancePort = contract::kGatewayPort;

// What the guide's "高级配置" section sets per service: deploy.resources and json-file logs.
struct ResourceLimits {
  std::string cpus = "1.0";
  std::string memory = "1G";
  std::string reserved_cpus = "0.25";
  std::string reserved_memory = "128M";
  friend bool operator==(const ResourceLimits&, const ResourceLimits&) = default;
};

struct LogRotation {
  std::string max_size = "10m";
  int max_files = 3;
  friend bool operator==(const LogRotation&, const LogRotation&) = default;
};

// A bind mount, host path relative to the deployment directory.
struct VolumeMount {
  std::string host;
  std::string container;
  bool read_only = false;
  std::string compose_form() const;  // "./instances/alice/config:/data/.nanobot" (+":ro")
};

// How the runtime gets its Python: the shared ./venv mounted read-only into `nanobot`,
// or an image (`nanobot-full`) that carries the venv itself.
enum class RuntimeMode { mounted, self_contained };
std::string to_string(RuntimeMode mode);
RuntimeMode parse_runtime_mode(std::string_view text);  // "mounted" | "self-contained"

// The container an instance runs in: "nanobot-NAME" (the guide's name, unique per engine).
inline std::string container_name_of(const std::string& instance_name) { return "nanobot-" + instance_name; }

// How `instance create` sets up the model; written into config.json once (config.json is the
// source afterwards), never kept in instance.json.
struct ModelSetup {
  std::string api_base;  // providers.<provider>.apiBase; "" for the provider's own default
  struct Fallback {
    std::string model;
    std::string provider;     // registry name or custom key
    std::string api_key_env;  // "" for a provider that needs no key (local, OAuth)
    std::string api_base;     // "" for the provider's own default
  };
  std::vector<Fallback> fallbacks;     // presets fallback-1, fallback-2... in agents.defaults.fallbackModels
  std::optional<int> context_window;   // contextWindowTokens of the main preset, in tokens
  bool needs_key = true;               // false for a local or OAuth provider: no apiKey is written
  bool needs_login = false;            // an OAuth provider: `nanobot provider login NAME` first
  double temperature = 0.7;            // the main preset's and agents.defaults'
  int max_tokens = 4096;
  // With a WebUI port: channels.websocket.tokenIssueSecret's value, generated at create
  // (random_secret.h), kept in the secrets file as kWebTokenVariable.
  std::string web_token;
  // With an API port: api.apiKey's value, generated at create, in the secrets file as
  // kApiKeyVariable.
  std::string api_key;
};

// The secrets-file variable of the WebUI's login secret, as upstream's container template
// names it (channels.websocket.tokenIssueSecret: "${NANOBOT_WEB_TOKEN}"). Not a settings
// variable: pydantic-settings reads NANOBOT_<ROOT FIELD> only, and "web_token" is none.
inline constexpr const char* kWebTokenVariable = "NANOBOT_WEB_TOKEN";
// The secrets-file variable of the API server's key (api.apiKey: "${SERVE_API_KEY}"), the name
// `instance migrate` gives a home's own.
inline constexpr const char* kApiKeyVariable = "SERVE_API_KEY";

struct Instance {
  std::string name;                // ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$, at most 63 characters
  int port = 0;                    // host port of the gateway
  std::string model;               // the active model: config.json's once loaded (load_instance)
  std::string soul = "assistant";  // assistant | expert | creative | custom
  std::string provider;            // the provider config.json selects (else the one created with)
  std::string api_key_env;         // the variable that holds the key, set in instances/NAME/.env
  std::optional<int> webui_port;   // host port of Nanobot's WebUI/WebSocket (8765 inside)
  std::optional<int> api_port;     // host port of `nanobot serve` (8900 inside), its own container
  // Read from config.json by Deployment::load_instance, never kept in instance.json: the app's
  // own file is the one source (the WebUI and `nanobot onboard` rewrite it).
  std::string preset;                                  // agents.defaults.modelPreset, "" for none
  int gateway_port_inside = contract::kGatewayPort;    // gateway.port
  int webui_port_inside = contract::kWebuiPort;        // channels.websocket.port
  int api_port_inside = contract::kApiPort;            // api.port
  ModelSetup setup;                                    // only while being created
  std::string restart = "unless-stopped";
  ResourceLimits limits;
  LogRotation logging;

  std::string container_name() const { return container_name_of(name); }
  // The API server's compose service and container ('_' cannot be in an instance's name, so
  // no other instance's service can be called so).
  std::string api_service() const { return name + "_api"; }
  std::string api_container_name() const { return container_name_of(api_service()); }
  // The compose services this instance runs: its gateway's (named after it), and the API's.
  std::vector<std::string> services() const;
  // The host ports this instance publishes (gateway, then WebUI when set).
  std::vector<int> host_ports() const;
  // Bind mounts: the venv (mounted mode), HOME, the config directory and the workspace inside
  // HOME, all writable, and last the secrets file, read-only.
  std::vector<VolumeMount> volumes(RuntimeMode mode) const;
};

// Files of an instance, relative to the deployment directory.
namespace instance_files {
std::filesystem::path directory(std::string_view name);         // instances/NAME
inline constexpr const char* kRecord = "instance.json";         // this model, for nanoforge
inline constexpr const char* kConfig = "config/config.json";    // Nanobot's own config
inline constexpr const char* kSecrets = ".env";  // secrets_file.h; mode 0640 group 1000 (0600 when not root)
inline constexpr const char* kOverride = "docker-compose.override.yml";  // the user's, never rewritten
inline constexpr const char* kInfo = "INSTANCE_INFO.txt";
inline constexpr const char* kSoul = "workspace/SOUL.md";
// The container's HOME (/data), writable: what the app keeps under ~ (OAuth tokens in
// ~/.local/share, ~/.cache, ~/.nanobot/history). config/ and workspace/ are mounted over its
// .nanobot and workspace (ownership.h).
inline constexpr const char* kHome = "home";
// Where the app keeps logins, which are secrets like .env (a backup leaves them out unless
// asked; backup.h): config/auth (xAI and MCP OAuth tokens), config/whatsapp-auth (the WhatsApp
// session) and home/.local/share/APP/auth (oauth-cli-kit's tokens: Codex, GitHub Copilot),
// as upstream Nanobot 3852956a writes them (providers/xai_oauth.py, agent/tools/mcp_oauth.py,
// channels/whatsapp/runtime.py, oauth-cli-kit's FileTokenStorage). `relative` is a path
// inside the instance directory.
bool is_credential_store(const std::filesystem::path& relative);
// The credential stores that exist under `instance_dir`, relative to it, sorted.
std::vector<std::filesystem::path> credential_stores(const std::filesystem::path& instance_dir);
}  // namespace instance_files

nlohmann::json to_json(const Instance& instance);
// Throws nanoforge::Error naming `source` and the field when a value is missing or invalid.
Instance instance_from_json(const nlohmann::json& json, const std::string& source);

// Validation; each throws nanoforge::Error saying what was expected.
void validate_instance_name(std::string_view name);
void validate_port(int port, std::string_view what = "port");
void validate_model(std::string_view model);
void validate_soul(std::string_view soul);
void validate_provider(std::string_view provider);
// A provider's endpoint as config.json's apiBase takes it: http:// or https://, a host (which
// may be ${HOST_GATEWAY}), no blanks or line breaks.
void validate_api_base(std::string_view url);
// `url` with its host written as ${HOST_GATEWAY} (contract::kHostGatewayVariable), the name an
// instance's container reaches this host by, when that host is this host's loopback
// (localhost, 127.x.x.x, [::1]), which in a container is the container itself; nullopt for
// any other URL. "http://localhost:11434/v1" -> "http://${HOST_GATEWAY}:11434/v1".
std::optional<std::string> via_host_gateway(const std::string& url);
// An IPv4 address in dotted form (inet_pton), as --publish and the settings file give it.
void validate_publish_address(std::string_view address);
// A reference a compose file can name: [registry/]repository[:tag][@digest] (the
// distribution grammar), so nothing in it is expanded or split by the compose tool.
void validate_image_reference(const std::string& image);
void validate_env_var_name(std::string_view name);
const std::vector<std::string>& known_souls();

// The provider a model name implies, by upstream's registry (nanobot_provider_match.h
// guess_provider): "gpt-4o-mini" -> openai, "anthropic/claude-3-5-sonnet" -> anthropic,
// "vendor/model" -> openrouter.
std::string provider_for_model(std::string_view model);
// "openai" -> "OPENAI_API_KEY"
std::string default_api_key_env(std::string_view provider);

// Parses JSON text; a syntax error names the file, line and column.
nlohmann::json parse_json_file(const std::filesystem::path& path);
// The same for text already read from `source`.
nlohmann::json parse_json_text(const std::string& text, const std::string& source);
// Throws like parse_json_text when `text` is not JSON, without building the document.
void check_json_text(const std::string& text, const std::string& source);

}  // namespace nanoforge::deploy
