// `instance migrate --from ~/.nanobot NAME`: a single-instance Nanobot home becomes an
// instance, with everything in it. Its data directory (the config file's parent, upstream's
// get_data_dir: sessions, auth, pairing.json, whatsapp-auth, media, webui, cron, logs,
// cli-apps, mcp, plugin-data, ...) goes to instances/NAME/config/ (mounted at /data/.nanobot)
// except run/, the old process's runtime state; the workspace, wherever
// agents.defaults.workspace put it (migrate_source.h says how `~` and relative paths are
// read), goes to instances/NAME/workspace/ (/data/workspace). config.json is converted: every
// secret moves to the instance's .env as "${VAR}" (migrate_secrets.h), the settings the
// container layout decides are set, host paths inside the migrated trees are rewritten, and
// what cannot work in a container is reported with the change that makes it work
// (migrate_container.h). The guide's flat config.json (model, api_key, ...) is converted to
// Nanobot's schema. Follows HKUDS/nanobot 3852956a (nanobot/config/{paths,loader,schema}.py).
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/deployment.h"
#include "deploy/instance_create.h"

namespace nanoforge::deploy {

// Where a secret of the source config now lives; the value itself only in `secrets`.
struct SecretPlacement {
  std::string path;      // "channels.telegram.token"
  std::string variable;  // "TELEGRAM_TOKEN"
};

struct ConvertedConfig {
  nlohmann::json config;                       // Nanobot's schema, secrets as ${VAR} placeholders
  std::string model;                           // the model the instance runs (for its record)
  std::string provider;                        // the provider whose key the instance uses
  std::string api_key_env;                     // the variable holding that key ("" : <PROVIDER>_API_KEY)
  std::string workspace_setting;               // agents.defaults.workspace as the source had it ("": default)
  std::map<std::string, std::string> secrets;  // VAR -> the literal found in the source
  std::vector<SecretPlacement> placements;     // every secret moved, in document order
  std::set<std::string> referenced;            // "${VAR}"s the source already had (its environment's)
  std::vector<std::string> dropped;            // source keys with no place in the new layout
  std::vector<std::string> warnings;           // settings changed or unable to work in a container
};

// Accepts Nanobot's own schema (any of its top-level sections; no agents.defaults.model, a
// modelPreset instead, or no `agents` at all is fine: the model is then the preset's or
// upstream's default) or the guide's flat one (model, api_key, max_tokens...); `source`
// names the file in errors. Throws nanoforge::Error when it is neither, or a value has the
// wrong type where the conversion reads it.
ConvertedConfig convert_nanobot_config(const nlohmann::json& config, const std::string& source);

struct MigrateRequest {
  std::filesystem::path from;  // the data directory (e.g. ~/.nanobot) or its config file
  std::string name;
  std::optional<int> port;
  // Publish the WebUI on this host port: channels.websocket listens on 0.0.0.0 with a login
  // secret (the home's own, moved to .env, or a new NANOBOT_WEB_TOKEN), as create does.
  std::optional<int> webui_port;
};

// One part of the copy: a top-level entry of the data directory, or the workspace.
struct MigrateCopy {
  std::filesystem::path from;
  std::string to;  // relative to the instance directory: "config/sessions", "workspace"
  std::size_t files = 0;
  std::uintmax_t bytes = 0;
};

// What a migration does, or would do (--dry-run). Never holds a secret's value.
struct MigratePlan {
  Instance instance;
  std::string webui_secret_variable;  // with --webui-port: the .env variable the WebUI asks for
  std::filesystem::path data_dir;
  std::filesystem::path config_file;
  std::filesystem::path workspace;     // the source workspace as resolved (may not exist)
  std::vector<MigrateCopy> copies;
  std::vector<std::string> skipped;    // "PATH: why it is not copied"
  std::vector<SecretPlacement> secrets;
  std::vector<std::string> rewritten;  // host paths in config.json now pointing into the instance
  std::vector<std::string> dropped;
  std::vector<std::string> warnings;   // what may not work in the container, and the change
  std::size_t files() const;
  std::uintmax_t bytes() const;
};

struct MigrateResult {
  MigratePlan plan;  // as carried out; plan.instance is the instance made
  std::size_t files_copied = 0;
};

// The plan for people: what is copied where (files, sizes), which secret moved to which
// variable (never a value), what is not copied, paths rewritten, keys dropped; headed "Would
// migrate ..." and ending with the warnings when `dry_run`, headed "Migrated ..." (with the
// files copied) and without them otherwise (the CLI prints those as warnings).
std::string describe_migration(const MigratePlan& plan, bool dry_run, std::size_t files_copied = 0);
// The same as one JSON object: instance, dataDir, configFile, workspace, copies [{from, to,
// files, bytes}], secrets [{path, variable}], skipped, rewritten, droppedKeys, warnings.
nlohmann::json migration_json(const MigratePlan& plan);

// Reads the home (metadata only, and every file's bytes to warn about copies of secrets in
// them) and says what migrate_instance would do. Changes nothing. Throws nanoforge::Error for
// what migrate_instance would refuse: not a Nanobot home, a bad config, an instance name or
// port that cannot be used, a workspace that holds the data directory (upstream refuses
// sessions inside the workspace), a secret no .env line can hold.
MigratePlan plan_migration(const Deployment& deployment, const MigrateRequest& request,
                           const PortInUse& in_use = port_in_use_on_host);

// Creates the instance from the home (staged; nothing is left behind on failure) and rewrites
// docker-compose.yml. The source is only read. The caller holds the DeploymentLock.
MigrateResult migrate_instance(const Deployment& deployment, const MigrateRequest& request,
                               const PortInUse& in_use = port_in_use_on_host);

}  // namespace nanoforge::deploy
