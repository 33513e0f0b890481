#include "deploy/migrate_source.h"

#include <pwd.h>

#include <vector>

#include "base/digest.h"
#include "base/error.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;

namespace {

// Lexically normal, without the empty last element a trailing '/' leaves.
fs::path normal(const fs::path& path) {
  fs::path result = path.lexically_normal();
  if (result.has_parent_path() && result.filename().empty()) result = result.parent_path();
  return result;
}

// The directory Nanobot names a workspace's plugin data after (agent/plugins.py
// _plugin_data_dir: sha256 of str(workspace.expanduser().resolve()), first 12 hex digits).
std::string plugin_data_id(const std::string& resolved_workspace) {
  return sha256_of(resolved_workspace).hex.substr(0, 12);
}

}  // namespace

SourceHome find_source_home(const fs::path& from) {
  SourceHome source;
  fs::path given = normal(fs::absolute(from));
  std::error_code error;
  if (fs::is_directory(given, error)) {
    source.data_dir = given;
    source.config_file = given / "config.json";
    if (!fs::is_regular_file(source.config_file, error))
      throw Error(from.string() + " is not a Nanobot home: it has no config.json (expected config.json, workspace/, "
                                  "sessions/; or name the config file itself)");
  } else if (fs::is_regular_file(given, error)) {
    source.config_file = given;
    source.data_dir = given.parent_path();
  } else {
    throw Error("cannot migrate from " + from.string() +
                ": not a directory (expected a Nanobot home such as ~/.nanobot, or its config file)");
  }
  source.home = source.data_dir.parent_path();
  return source;
}

fs::path resolve_host_path(std::string_view setting, const SourceHome& source) {
  std::string text(setting);
  if (text.empty() || text.front() != '~') {
    fs::path path(text);
    return normal(path.is_absolute() ? path : source.home / path);
  }
  std::size_t slash = text.find('/');
  std::string user = text.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  std::string rest = slash == std::string::npos ? "" : text.substr(slash + 1);
  if (!user.empty()) {
    const passwd* entry = ::getpwnam(user.c_str());
    if (!entry || !entry->pw_dir)
      throw Error("cannot tell where '" + text + "' is: this host has no user '" + user +
                  "' (write the path without ~user)");
    return normal(fs::path(entry->pw_dir) / rest);
  }
  const std::string nanobot = ".nanobot";
  if (rest == nanobot) return source.data_dir;
  if (rest.rfind(nanobot + "/", 0) == 0) return normal(source.data_dir / rest.substr(nanobot.size() + 1));
  return normal(source.home / rest);
}

fs::path resolved_path(const fs::path& path) {
  std::error_code error;
  fs::path resolved = fs::weakly_canonical(path, error);
  return error ? normal(path) : normal(resolved);
}

bool is_within(const fs::path& path, const fs::path& root) {
  fs::path relative = path.lexically_relative(root);
  return !relative.empty() && *relative.begin() != "..";
}

InstanceLayoutMap::InstanceLayoutMap(const SourceHome& source) : source_(source) {
  data_real_ = resolved_path(source.data_dir);
  workspace_real_ = resolved_path(source.workspace);
  if (is_within(source.workspace, source.data_dir))
    workspace_in_data_real_ = normal(data_real_ / source.workspace.lexically_relative(source.data_dir));
  std::string from = plugin_data_id(workspace_real_.string());
  std::string to = plugin_data_id("/data/workspace");
  std::error_code error;
  if (from != to && fs::is_directory(source.data_dir / "plugin-data" / from, error) &&
      !fs::exists(source.data_dir / "plugin-data" / to, error)) {
    plugin_data_from_ = from;
    plugin_data_to_ = to;
  }
}

std::optional<fs::path> InstanceLayoutMap::map(const fs::path& host_path) const {
  const fs::path path = normal(host_path);
  for (const fs::path* workspace : {&source_.workspace, &workspace_real_, &workspace_in_data_real_}) {
    if (workspace->empty() || !is_within(path, *workspace)) continue;
    fs::path relative = path.lexically_relative(*workspace);
    return relative == "." ? fs::path("workspace") : fs::path("workspace") / relative;
  }
  for (const fs::path* data : {&source_.data_dir, &data_real_}) {
    if (!is_within(path, *data)) continue;
    fs::path relative = path.lexically_relative(*data);
    if (relative == ".") return fs::path("config");
    std::vector<std::string> parts;
    for (const auto& part : relative) parts.push_back(part.string());
    const std::string config_name = source_.config_file.filename().string();
    if (parts[0] == "run") return std::nullopt;
    if (parts.size() == 1 && parts[0] == config_name) return fs::path("config/config.json");
    if (parts.size() == 1 && parts[0].rfind("." + config_name + ".", 0) == 0 && parts[0].size() > 4 &&
        parts[0].substr(parts[0].size() - 4) == ".tmp")
      return std::nullopt;
    // With another file as the config, a config.json beside it would replace the converted one.
    if (parts.size() == 1 && parts[0] == "config.json") return std::nullopt;
    if (parts.size() >= 2 && parts[0] == "plugin-data" && !plugin_data_from_.empty() && parts[1] == plugin_data_from_)
      parts[1] = plugin_data_to_;
    fs::path mapped("config");
    for (const auto& part : parts) mapped /= part;
    return mapped;
  }
  return std::nullopt;
}

std::string InstanceLayoutMap::container_path(const fs::path& instance_relative) {
  auto it = instance_relative.begin();
  std::string root = it->string() == "workspace" ? "/data/workspace" : "/data/.nanobot";
  fs::path result(root);
  for (++it; it != instance_relative.end(); ++it) result /= *it;
  return result.string();
}

}  // namespace nanoforge::deploy
