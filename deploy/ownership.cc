#include "deploy/ownership.h"

#include <sys/stat.h>
#include <unistd.h>

#include "base/container_contract.h"
#include "base/error.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;

const char* to_string(OwnershipMode mode) {
  switch (mode) {
    case OwnershipMode::root_chown: return "root-chown";
    case OwnershipMode::invoking_user: return "invoking-user";
    case OwnershipMode::rootless_keep_id: return "rootless-keep-id";
  }
  return "?";
}

std::string Ownership::compose_user() const { return std::to_string(uid) + ":" + std::to_string(gid); }

std::optional<std::string> Ownership::userns_mode() const {
  if (mode != OwnershipMode::rootless_keep_id) return std::nullopt;
  return "keep-id:uid=" + std::to_string(uid) + ",gid=" + std::to_string(gid);
}

Ownership ownership_for(const std::string& engine, uid_t euid, gid_t egid) {
  if (euid == 0) return {OwnershipMode::root_chown, contract::kUid, contract::kGid};
  if (engine == "podman") return {OwnershipMode::rootless_keep_id, contract::kUid, contract::kGid};
  return {OwnershipMode::invoking_user, static_cast<unsigned>(euid), static_cast<unsigned>(egid)};
}

Ownership deployment_ownership(const Deployment& deployment) {
  return ownership_for(deployment.settings().engine, ::geteuid(), ::getegid());
}

namespace {

void give(const fs::path& path, const Ownership& ownership) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) throw_system_error("cannot read", path.string());
  if (info.st_uid == ownership.uid && info.st_gid == ownership.gid) return;
  if (::lchown(path.c_str(), ownership.uid, ownership.gid) != 0)
    throw_system_error("cannot give to the container's user " + ownership.compose_user(), path.string());
}

void create_directories_or_throw(const fs::path& path) {
  std::error_code error;
  fs::create_directories(path, error);
  if (error) throw Error("cannot create " + path.string() + ": " + error.message());
}

}  // namespace

void prepare_writable_state(const fs::path& instance_dir, const Ownership& ownership) {
  const fs::path home = instance_dir / instance_files::kHome;
  // The mount points of config/ and workspace/ exist before the engine mounts them, so it
  // never makes them itself (as root, inside the user's files).
  for (const char* sub : {".nanobot", "workspace", ".local/share", ".cache", ".config"}) create_directories_or_throw(home / sub);
  if (!ownership.chowns()) return;
  for (const char* tree : {"config", "workspace", instance_files::kHome}) {
    const fs::path root = instance_dir / tree;
    if (!fs::exists(root)) continue;
    give(root, ownership);
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it)
      give(it->path(), ownership);
  }
}

}  // namespace nanoforge::deploy
