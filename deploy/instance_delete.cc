#include "deploy/instance_delete.h"

#include "deploy/backup.h"
#include "deploy/compose.h"
#include "deploy/instance.h"

namespace nanoforge::deploy {

DeleteResult delete_instance(const Deployment& deployment, const std::string& name, bool without_backup,
                             const ComposeProject* project) {
  validate_instance_name(name);
  Instance instance = deployment.load_instance(name);
  DeleteResult result{instance.name, std::nullopt};
  if (!without_backup) {
    BackupOptions options;
    options.include_secrets = true;  // a delete must be undoable; the archive is mode 0600
    result.backup =
        backup_instances(deployment, {instance.name}, default_backup_path(deployment, instance.name), options, nullptr)
            .archive;
  }
  if (project) project->remove_container(instance);
  // Out of the way first, so compose never sees half a directory; then gone.
  auto doomed = deployment.instances_dir() / (".deleting-" + instance.name);
  std::filesystem::remove_all(doomed);
  std::filesystem::rename(deployment.instance_dir(instance.name), doomed);
  write_compose(deployment);
  std::filesystem::remove_all(doomed);
  return result;
}

}  // namespace nanoforge::deploy
