// `instance delete`: an instance's container and files gone, after a backup unless asked
// not to; docker-compose.yml no longer names it.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "deploy/deployment.h"
#include "deploy/engine.h"

namespace nanoforge::deploy {

struct DeleteResult {
  std::string name;
  std::optional<std::filesystem::path> backup;  // the archive taken first (secrets included, mode 0600)
};

// Deletes instance `name` of `deployment`. Unless `without_backup`, first writes a backup with
// its secrets to default_backup_path() (a delete must be undoable). With an engine
// (`project`, may be null) its container is stopped and removed. The directory is renamed
// out of the way before docker-compose.yml is rewritten, so compose never reads half of it.
// The caller holds the DeploymentLock. Throws nanoforge::Error for an unknown or invalid name,
// a failed backup (nothing deleted then) or an engine that refuses to remove the container.
DeleteResult delete_instance(const Deployment& deployment, const std::string& name, bool without_backup,
                             const ComposeProject* project);

}  // namespace nanoforge::deploy
