#include "venv/project_reinstall.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "base/atomic_file.h"
#include "base/error.h"
#include "venv/layers.h"
#include "venv/pip_install.h"
#include "venv/record_file.h"

namespace nanoforge::venv {

namespace fs = std::filesystem;

namespace {

fs::path project_dist_info(const fs::path& site, const std::string& name) {
  fs::path dist_info = find_dist_info(site, name);
  if (dist_info.empty()) throw Error("no distribution " + name + " is installed in " + site.string());
  return dist_info;
}

void set_mode(const fs::path& path, mode_t mode) {
  if (::chmod(path.c_str(), mode & 07777) != 0) throw_system_error("cannot set the mode of", path.string());
}

}  // namespace

void copy_venv_tree(const fs::path& from, const fs::path& to) {
  struct stat info {};
  if (::lstat(from.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) throw_system_error("cannot copy the venv", from.string());
  if (::mkdir(to.c_str(), 0700) != 0) throw_system_error("cannot create", to.string());
  // Directory modes last, deepest first: a read-only directory is filled before it is closed.
  std::vector<std::pair<fs::path, mode_t>> directories = {{to, info.st_mode}};
  std::map<std::pair<dev_t, ino_t>, fs::path> linked;  // first copy of each multiply-linked file
  std::error_code error;
  for (fs::recursive_directory_iterator it(from, error), end; it != end; it.increment(error)) {
    if (error) break;
    const fs::path source = it->path();
    const fs::path target = to / source.lexically_relative(from);
    if (::lstat(source.c_str(), &info) != 0) throw_system_error("cannot stat", source.string());
    if (S_ISDIR(info.st_mode)) {
      if (::mkdir(target.c_str(), 0700) != 0) throw_system_error("cannot create", target.string());
      directories.emplace_back(target, info.st_mode);
    } else if (S_ISLNK(info.st_mode)) {
      fs::create_symlink(fs::read_symlink(source), target);
    } else if (S_ISREG(info.st_mode)) {
      if (info.st_nlink > 1) {
        auto [found, first] = linked.try_emplace({info.st_dev, info.st_ino}, target);
        if (!first) {
          fs::create_hard_link(found->second, target);
          continue;
        }
      }
      fs::copy_file(source, target);
      set_mode(target, info.st_mode);
    } else {
      throw Error("the venv " + from.string() + " holds " + source.string() +
                  ", which is neither a file, a directory nor a symlink");
    }
  }
  if (error) throw Error("cannot copy the venv " + from.string() + ": " + error.message());
  std::sort(directories.begin(), directories.end(),
            [](const auto& a, const auto& b) { return a.first.native().size() > b.first.native().size(); });
  for (const auto& [directory, mode] : directories) set_mode(directory, mode);
}

std::vector<std::string> project_requirements(const fs::path& venv_dir, const std::string& project_name) {
  std::istringstream metadata(read_file(project_dist_info(site_packages_of(venv_dir), project_name) / "METADATA"));
  std::vector<std::string> lines;
  std::string line;
  // Headers end at the first empty line; the description follows.
  while (std::getline(metadata, line) && !line.empty())
    for (const char* header : {"Requires-Dist:", "Provides-Extra:", "Requires-Python:"})
      if (line.rfind(header, 0) == 0) lines.push_back(line);
  return lines;
}

void remove_project(const fs::path& venv_dir) {
  auto groups = venv_layer_entries(venv_dir, "");
  std::set<fs::path> parents;
  for (const auto& entry : groups.project) {
    if (entry.type == oci::EntryType::Directory) continue;
    fs::path path = venv_dir / entry.path;
    std::error_code error;
    fs::remove(path, error);
    if (error) throw Error("cannot remove " + path.string() + ": " + error.message());
    for (fs::path parent = path.parent_path(); parent != venv_dir && parent.native().size() > venv_dir.native().size();
         parent = parent.parent_path())
      parents.insert(parent);
  }
  // Deepest first, so a package directory goes after its __pycache__.
  std::vector<fs::path> ordered(parents.begin(), parents.end());
  std::sort(ordered.begin(), ordered.end(),
            [](const fs::path& a, const fs::path& b) { return a.native().size() > b.native().size(); });
  for (const auto& directory : ordered) {
    std::error_code error;
    if (fs::is_empty(directory, error) && !error) fs::remove(directory, error);
  }
}

std::vector<fs::path> project_sources(const fs::path& venv_dir, const std::string& project_name) {
  const fs::path site = site_packages_of(venv_dir);
  const std::string lib = site.parent_path().string() + "/";
  std::vector<fs::path> sources;
  for (const auto& path : recorded_paths(project_dist_info(site, project_name))) {
    if (path.size() < 3 || path.compare(path.size() - 3, 3, ".py") != 0) continue;
    fs::path file = (site / path).lexically_normal();
    if (file.string().rfind(lib, 0) == 0 && fs::is_regular_file(file)) sources.push_back(file);
  }
  return sources;
}

}  // namespace nanoforge::venv
