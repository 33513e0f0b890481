// `instance migrate`: where a host's Nanobot keeps its state, as upstream finds it
// (HKUDS/nanobot 3852956a nanobot/config/paths.py): the data directory is the config file's
// parent (get_data_dir), the workspace is agents.defaults.workspace passed through
// Path.expanduser() (get_workspace_path; default "~/.nanobot/workspace").
//
// The host's HOME is not known to nanoforge (it may run as another user), so `~` is read
// this way, which is exact for the default layout (~/.nanobot):
//   "~/.nanobot" and "~/.nanobot/..."  the data directory given (it is that ~/.nanobot)
//   "~" and "~/..."                    HOME = the data directory's parent
//   "~user/..."                        that user's home directory (getpwnam)
//   a relative path                    against HOME (where people start nanobot from)
//   an absolute path                   itself
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace nanoforge::deploy {

struct SourceHome {
  std::filesystem::path data_dir;     // absolute, lexically normal
  std::filesystem::path config_file;  // the config file in it (usually config.json)
  std::filesystem::path home;         // data_dir's parent, standing for the owner's HOME
  std::filesystem::path workspace;    // resolved as above once the config is read; may not exist
};

// `from` is the data directory (~/.nanobot) or the config file in it (a home run with
// --config FILE). Throws nanoforge::Error when it is neither a directory holding config.json
// nor a regular file. The workspace is left empty: it comes from the config.
SourceHome find_source_home(const std::filesystem::path& from);

// A path setting as the host's Nanobot read it, by the rules above; absolute and lexically
// normal. Throws nanoforge::Error for "~user" naming a user this host does not know.
std::filesystem::path resolve_host_path(std::string_view setting, const SourceHome& source);

// `path` with symbolic links resolved as far as it exists (Python's Path.resolve(strict=False),
// which upstream uses to compare workspaces); `path` itself when that fails.
std::filesystem::path resolved_path(const std::filesystem::path& path);

// True when `path` is `root` or below it, compared lexically (both absolute and normal).
bool is_within(const std::filesystem::path& path, const std::filesystem::path& root);

// Where a host path inside the migrated trees lands, relative to the instance directory:
// below the workspace -> "workspace/..."; below the data directory -> "config/..." (the config
// file itself -> "config/config.json"); nothing for everything else, and for what is not
// copied: run/ (the old process's runtime state) and leftovers of upstream's atomic config
// save (".config.json.*.tmp", which hold the config's literal secrets). Both the paths as
// given and with symbolic links resolved are recognised.
class InstanceLayoutMap {
 public:
  explicit InstanceLayoutMap(const SourceHome& source);
  std::optional<std::filesystem::path> map(const std::filesystem::path& host_path) const;
  // The container's view of map(): "workspace/x" -> "/data/workspace/x", "config/x" ->
  // "/data/.nanobot/x" (instance.h's mounts).
  static std::string container_path(const std::filesystem::path& instance_relative);
  // Upstream names a plugin's data directory plugin-data/<sha256(resolved workspace)[:12]>/
  // (agent/plugins.py _plugin_data_dir); the workspace is /data/workspace now, so the old
  // name maps to the new one. Empty when the workspace has no plugin data.
  const std::string& plugin_data_from() const { return plugin_data_from_; }
  const std::string& plugin_data_to() const { return plugin_data_to_; }

 private:
  SourceHome source_;
  std::filesystem::path data_real_;
  std::filesystem::path workspace_real_;
  std::filesystem::path workspace_in_data_real_;  // the workspace reached through data_real_
  std::string plugin_data_from_;
  std::string plugin_data_to_;
};

}  // namespace nanoforge::deploy
