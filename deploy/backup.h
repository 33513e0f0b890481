// `instance backup` / `instance restore`: a deterministic .tar.zst of instance directories
// with a manifest of SHA-256 sums and the image and venv in use. Restore verifies every sum
// before anything of the deployment changes.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/deployment.h"

namespace nanoforge::deploy {

inline constexpr const char* kBackupManifestName = "MANIFEST.json";
inline constexpr const char* kBackupFormat = "nanoforge-instance-backup/1";

// Stops instances for a consistent copy and starts them again; backed by the engine in the
// CLI, absent (nothing running) when no engine is there.
class InstanceRuntime {
 public:
  virtual ~InstanceRuntime() = default;
  virtual bool is_running(const std::string& name) = 0;
  virtual void stop(const std::vector<std::string>& names) = 0;
  virtual void start(const std::vector<std::string>& names) = 0;
};

struct BackupOptions {
  bool include_secrets = false;  // instances/NAME/.env and the credential stores
                                 // (instance_files::is_credential_store) only when asked
  std::string image_id;          // the engine's ID of the image in use, when known
};

struct BackupResult {
  std::filesystem::path archive;
  nlohmann::json manifest;
  std::vector<std::string> paused;  // instances stopped for the copy and started again
};

// Writes `output` (atomically) holding MANIFEST.json, then instances/NAME/... sorted, with
// mtimes, modes and numeric owners kept, and nothing else varying between runs.
BackupResult backup_instances(const Deployment& deployment, const std::vector<std::string>& names,
                              const std::filesystem::path& output, const BackupOptions& options,
                              InstanceRuntime* runtime);

struct RestoreResult {
  std::vector<std::string> instances;
  std::vector<std::string> secrets_to_supply;  // instances whose .env must be filled in again
  std::map<std::string, std::vector<std::string>> variables_to_supply;  // their variables, by instance
  // Credential stores the backup left out and no live instance had ("instances/NAME/config/
  // whatsapp-auth"): logins to do again.
  std::vector<std::string> logins_to_redo;
  // With `force`: a backup of each instance replaced, taken first (secrets included; the
  // archive is 0600), and the ones that were running, stopped for the swap, for the caller to
  // start again once the compose file is written.
  std::vector<std::filesystem::path> replaced_backups;
  std::vector<std::string> stopped;
  nlohmann::json manifest;
};

// Unpacks into staging directories while hashing, verifies every entry against the manifest
// (and that none is missing or extra), then moves the instances into place. An existing
// instance is replaced only with `force`, after a backup of it (replaced_backups; a running
// one is stopped for the swap, see `stopped`); its .env and its credential stores are kept
// when the backup carries no secrets. Does not rewrite docker-compose.yml (the caller does).
RestoreResult restore_backup(const Deployment& deployment, const std::filesystem::path& archive, bool force,
                             InstanceRuntime* runtime);

// The default file name: backups/NAME-YYYYmmdd-HHMMSS.tar.zst (or all-... for --all).
std::filesystem::path default_backup_path(const Deployment& deployment, const std::string& label);

}  // namespace nanoforge::deploy
