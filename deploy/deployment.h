// A deployment directory: docker-compose.yml, instances/NAME/..., venv/, and nanoforge's
// settings for it (image, runtime mode, publish address). The current directory by default.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "deploy/instance.h"

namespace nanoforge::deploy {

// Deployment-wide choices, kept in nanoforge-deployment.json so every emit agrees.
struct DeploymentSettings {
  // Pinned reference: "nanobot@sha256:..." from a registry, or the build's content-derived tag.
  std::string image = "nanobot:latest";
  RuntimeMode mode = RuntimeMode::mounted;
  std::string publish_address = "127.0.0.1";  // --publish 0.0.0.0 exposes instances beyond the host
  std::string project;                        // compose project name; default: the directory's name
  std::string network = "nanobot-net";
  // The engine of the last `up` ("docker" | "podman"; "" before any): rootless Podman renders
  // differently (ownership.h).
  std::string engine;
};

class Deployment {
 public:
  explicit Deployment(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path compose_file() const { return root_ / "docker-compose.yml"; }
  // The services of the last emit, as rendered (see rendered_services.h); safe to delete.
  std::filesystem::path compose_cache_file() const { return root_ / ".nanoforge-compose-cache"; }
  std::filesystem::path instances_dir() const { return root_ / "instances"; }
  std::filesystem::path venv_dir() const { return root_ / "venv"; }
  std::filesystem::path settings_file() const { return root_ / "nanoforge-deployment.json"; }
  std::filesystem::path lock_file() const { return root_ / ".nanoforge.lock"; }
  std::filesystem::path backups_dir() const { return root_ / "backups"; }
  std::filesystem::path instance_dir(std::string_view name) const;
  // Every file and directory above: what nanoforge writes and keeps in the deployment, which
  // is never part of a project built from the same directory (`project: .`).
  std::vector<std::filesystem::path> state_paths() const;

  // Settings from nanoforge-deployment.json, defaults when it does not exist yet.
  DeploymentSettings settings() const;
  void save_settings(const DeploymentSettings& settings) const;

  // Names of instance directories (those holding instance.json), sorted.
  std::vector<std::string> instance_names() const;
  bool has_instance(std::string_view name) const;
  // Reads instance.json and checks config.json parses; errors name the file (and line).
  Instance load_instance(std::string_view name) const;
  std::vector<Instance> load_instances() const;

 private:
  std::filesystem::path root_;
};

// An exclusive flock on the deployment's lock file for as long as it lives, so two
// nanoforge processes never race for a port, an instance name or the compose file.
class DeploymentLock {
 public:
  explicit DeploymentLock(const Deployment& deployment);
  ~DeploymentLock();
  DeploymentLock(const DeploymentLock&) = delete;
  DeploymentLock& operator=(const DeploymentLock&) = delete;

 private:
  int fd_ = -1;
};

// The compose project name for a directory name: lower-case letters, digits, '-' and '_'.
std::string project_name_for(const std::filesystem::path& directory);

}  // namespace nanoforge::deploy
