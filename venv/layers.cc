#include "venv/layers.h"

#include <algorithm>
#include <set>

#include "base/atomic_file.h"
#include "base/error.h"
#include "venv/pip_install.h"
#include "venv/record_file.h"
#include "venv/version_file.h"

namespace nanoforge::venv {
namespace fs = std::filesystem;
namespace {

// Venv-relative paths of the files a distribution's RECORD lists.
std::set<std::string> recorded_files(const fs::path& venv_dir, const fs::path& site, const fs::path& dist_info) {
  std::set<std::string> files;
  for (const auto& path : recorded_paths(dist_info))
    files.insert((site / path).lexically_normal().lexically_relative(venv_dir).generic_string());
  return files;
}

// "pkg/__pycache__/mod.cpython-312.pyc" -> "pkg/mod.py": bytecode goes where its source goes.
std::string source_of_bytecode(const std::string& path) {
  auto cache = path.find("/__pycache__/");
  if (cache == std::string::npos || path.size() < 4 || path.substr(path.size() - 4) != ".pyc") return path;
  std::string name = path.substr(cache + 13);
  return path.substr(0, cache) + "/" + name.substr(0, name.find('.')) + ".py";
}

}  // namespace

VenvLayerGroups venv_layer_entries(const fs::path& venv_dir, const std::string& destination) {
  auto info = read_version_file(venv_dir / "VERSION.txt");
  std::string base = oci::normalize_image_path(destination, "venv layer destination");
  const fs::path site = site_packages_of(venv_dir);
  const std::string site_relative = site.lexically_relative(venv_dir).generic_string();

  std::set<std::string> project_files = {"VERSION.txt", ".pyproject.md5"};
  std::set<std::string> dependency_scripts;
  std::string wanted = normalize_distribution_name(info.project_name);
  for (const auto& entry : fs::directory_iterator(site)) {
    auto name = entry.path().filename().string();
    if (name.size() < 10 || name.substr(name.size() - 10) != ".dist-info" || !fs::exists(entry.path() / "RECORD"))
      continue;
    auto files = recorded_files(venv_dir, site, entry.path());
    if (normalize_distribution_name(name.substr(0, name.find('-'))) == wanted) {
      project_files.insert(files.begin(), files.end());
      project_files.insert(entry.path().lexically_relative(venv_dir).generic_string());
    } else {
      for (const auto& file : files)
        if (file.rfind("bin/", 0) == 0) dependency_scripts.insert(file);
    }
  }

  VenvLayerGroups groups;
  auto entries = oci::scan_directory(venv_dir, base);
  std::vector<oci::LayerEntry> directories;
  const std::string prefix = base.empty() ? "" : base + "/";
  for (auto& entry : entries) {
    if (entry.type == oci::EntryType::Directory) {
      directories.push_back(entry);
      continue;
    }
    std::string relative = entry.path.substr(prefix.size());
    std::string owner = source_of_bytecode(relative);
    // Anything inside the project's dist-info belongs to it, RECORD or not.
    bool in_project = project_files.count(owner) > 0;
    for (std::string dir = owner; !in_project && dir.find('/') != std::string::npos;) {
      dir.resize(dir.rfind('/'));
      in_project = project_files.count(dir) > 0;
    }
    if (in_project) groups.project.push_back(std::move(entry));
    else if (relative.rfind(site_relative + "/", 0) == 0 || dependency_scripts.count(relative))
      groups.dependencies.push_back(std::move(entry));
    else groups.interpreter.push_back(std::move(entry));
  }
  // Each group carries the directories above its entries (and the interpreter group all the
  // others, so an empty directory is not lost).
  for (auto* group : {&groups.interpreter, &groups.dependencies, &groups.project}) {
    std::set<std::string> needed;
    for (const auto& entry : *group)
      for (auto slash = entry.path.rfind('/'); slash != std::string::npos; slash = entry.path.rfind('/', slash - 1)) {
        if (!needed.insert(entry.path.substr(0, slash)).second) break;
        if (slash == 0) break;
      }
    std::vector<oci::LayerEntry> with_dirs;
    for (const auto& dir : directories)
      if (group == &groups.interpreter || needed.count(dir.path)) with_dirs.push_back(dir);
    with_dirs.insert(with_dirs.end(), group->begin(), group->end());
    std::sort(with_dirs.begin(), with_dirs.end(),
              [](const oci::LayerEntry& a, const oci::LayerEntry& b) { return oci::image_path_less(a.path, b.path); });
    *group = std::move(with_dirs);
  }
  return groups;
}

}  // namespace nanoforge::venv
