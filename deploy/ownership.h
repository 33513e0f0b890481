// Who the container runs as and who owns an instance's writable state, for the three ways
// people run nanoforge. The app writes throughout its config directory (sessions, logs,
// media, cron, run, auth, pairing.json, ...) and under HOME (OAuth tokens in ~/.local/share,
// ~/.cache, ~/.nanobot/history): the container's user must be able to write all of it, while
// the person running nanoforge keeps editing config.json, SOUL.md and .env.
//
//   root_chown        nanoforge runs as root with rootful Docker or Podman. The container runs
//                     as the image's user (1000:1000); the writable trees are given to it at
//                     create and again at `up`. Root edits the files all the same.
//   invoking_user     a user in the docker group, with a rootful dockerd: the container runs as
//                     that user's uid:gid (as upstream's docs advise, `--user $(id -u):$(id -g)`),
//                     so the user's own files are writable inside; nothing is chowned.
//   rootless_keep_id  rootless Podman: the container runs as 1000:1000 in a user namespace
//                     made with keep-id:uid=1000,gid=1000, so the host user is uid 1000 inside
//                     and owns what the app writes; nothing is chowned. (Rootful Podman 4.3
//                     refuses keep-id: as root it is root_chown.)
//
// The engine is recorded in the deployment's settings by `up` (DeploymentSettings::engine);
// until then a non-root user is assumed to use Docker. Everything that differs between the
// modes is decided here; the compose emitter renders what this says.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "deploy/deployment.h"

namespace nanoforge::deploy {

enum class OwnershipMode { root_chown, invoking_user, rootless_keep_id };
const char* to_string(OwnershipMode mode);

struct Ownership {
  OwnershipMode mode = OwnershipMode::root_chown;
  unsigned uid = 0;  // the container's user
  unsigned gid = 0;
  std::string compose_user() const;                // "1000:1000"
  std::optional<std::string> userns_mode() const;  // "keep-id:uid=1000,gid=1000" for rootless Podman
  bool chowns() const { return mode == OwnershipMode::root_chown; }
};

// The mode for a process with effective ids `euid`:`egid` driving `engine` ("docker",
// "podman", or "" when not known yet). Pure; see the table above.
Ownership ownership_for(const std::string& engine, uid_t euid, gid_t egid);

// The mode of `deployment` for this process: its recorded engine, geteuid() and getegid().
// Throws what Deployment::settings() throws.
Ownership deployment_ownership(const Deployment& deployment);

// Makes an instance's writable state what its container needs: creates instances/NAME/home
// (HOME, mounted at /data) with the mount points of config/ and workspace/ inside it and the
// XDG directories (.local/share, .cache, .config), and, in root_chown mode, gives config/,
// workspace/ and home/ with everything in them to the container's user (only entries whose
// owner differs are changed; symbolic links themselves, never their targets). The record,
// the override and .env (secrets_file.h decides its mode) are left alone. `instance_dir` may
// be a staging directory. Throws nanoforge::Error naming the path that cannot be created or
// given away.
void prepare_writable_state(const std::filesystem::path& instance_dir, const Ownership& ownership);

}  // namespace nanoforge::deploy
