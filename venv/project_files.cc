#include "venv/project_files.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

#include "base/error.h"
#include "base/subprocess.h"

namespace nanoforge::venv {

namespace fs = std::filesystem;

namespace {

// The exclusions as paths relative to the project ("venv", "instances"); those outside it,
// and the project directory itself, do not apply.
std::vector<std::string> relative_exclusions(const fs::path& project, const std::vector<fs::path>& excluded) {
  std::vector<std::string> relative;
  for (const auto& path : excluded) {
    if (path.empty()) continue;
    auto inside = fs::weakly_canonical(fs::absolute(path)).lexically_relative(project).generic_string();
    if (inside.empty() || inside == "." || inside == ".." || inside.rfind("../", 0) == 0) continue;
    relative.push_back(inside);
  }
  return relative;
}

bool under_any(const std::string& path, const std::vector<std::string>& roots) {
  for (const auto& root : roots)
    if (path == root || (path.size() > root.size() && path[root.size()] == '/' && path.rfind(root, 0) == 0))
      return true;
  return false;
}

bool has_junk_component(std::string_view path) {
  while (!path.empty()) {
    auto slash = path.find('/');
    if (is_build_junk(std::string(path.substr(0, slash)))) return true;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return false;
}

// Appends the files under `directory` (relative `prefix`, "" for the project itself).
void walk(const fs::path& project, const std::string& prefix, const std::vector<std::string>& excluded,
          std::vector<std::string>& files) {
  const fs::path start = prefix.empty() ? project : project / prefix;
  std::error_code error;
  fs::recursive_directory_iterator it(start, error), end;
  if (error) throw Error("cannot read the project directory " + start.string() + ": " + error.message());
  for (; it != end; it.increment(error)) {
    if (error) throw Error("cannot read the project directory " + start.string() + ": " + error.message());
    const fs::path& path = it->path();
    std::string relative = path.lexically_relative(project).generic_string();
    auto status = it->symlink_status(error);
    if (error) throw Error("cannot stat " + path.string() + ": " + error.message());
    bool directory = fs::is_directory(status);
    // A virtual environment (pyvenv.cfg) is a developer's, never the project's.
    if (is_build_junk(path.filename().string()) || under_any(relative, excluded) ||
        (directory && fs::exists(path / "pyvenv.cfg"))) {
      if (directory) it.disable_recursion_pending();
      continue;
    }
    if (fs::is_regular_file(status) || fs::is_symlink(status)) files.push_back(std::move(relative));
  }
  if (error) throw Error("cannot read the project directory " + start.string() + ": " + error.message());
}

// `git ls-files` under the project, or nullopt when git cannot say (not installed, not a work
// tree, a repository git refuses, a project it ignores).
std::optional<std::vector<std::string>> git_listing(const fs::path& project) {
  if (!program_exists("git")) return std::nullopt;
  ProcessOptions options = within_seconds(120, false);
  // The project's own repository, whatever the caller's environment points git at.
  options.unset_environment = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                               "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_COMMON_DIR"};
  ProcessResult result;
  try {
    result = run_process({"git", "-C", project.string(), "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"},
                         options);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (!result.ok()) return std::nullopt;
  std::vector<std::string> paths;
  for (std::size_t start = 0; start < result.output.size();) {
    auto end = result.output.find('\0', start);
    if (end == std::string::npos) end = result.output.size();
    if (end > start) paths.push_back(result.output.substr(start, end - start));
    start = end + 1;
  }
  if (std::find(paths.begin(), paths.end(), "pyproject.toml") == paths.end()) return std::nullopt;
  return paths;
}

}  // namespace

bool is_build_junk(const std::string& name) {
  static const std::set<std::string> names = {".git", ".hg", ".svn", "build", "dist", "__pycache__",
                                              "node_modules", ".venv", ".tox", ".nox", ".mypy_cache",
                                              ".pytest_cache", ".ruff_cache"};
  if (names.count(name)) return true;
  return name.size() > 9 && name.compare(name.size() - 9, 9, ".egg-info") == 0;
}

ProjectFiles list_project_files(const fs::path& project_dir, const std::vector<fs::path>& excluded) {
  const fs::path project = fs::weakly_canonical(fs::absolute(project_dir));
  const auto exclusions = relative_exclusions(project, excluded);
  ProjectFiles files;
  if (auto listed = git_listing(project)) {
    files.from_git = true;
    for (auto& path : *listed) {
      // An untracked nested repository is listed as "dir/"; a submodule as its directory.
      while (!path.empty() && path.back() == '/') path.pop_back();
      if (path.empty() || has_junk_component(path) || under_any(path, exclusions)) continue;
      std::error_code error;
      if (fs::is_directory(fs::symlink_status(project / path, error))) walk(project, path, exclusions, files.paths);
      else files.paths.push_back(std::move(path));
    }
  } else {
    walk(project, "", exclusions, files.paths);
  }
  std::sort(files.paths.begin(), files.paths.end());
  files.paths.erase(std::unique(files.paths.begin(), files.paths.end()), files.paths.end());
  return files;
}

std::vector<std::string> walk_project_files(const fs::path& project_dir, const std::vector<fs::path>& excluded) {
  const fs::path project = fs::weakly_canonical(fs::absolute(project_dir));
  std::vector<std::string> files;
  walk(project, "", relative_exclusions(project, excluded), files);
  std::sort(files.begin(), files.end());
  return files;
}

InputList fingerprint_project(const fs::path& project_dir, const ProjectFiles& files, StatCache& cache) {
  const fs::path project = fs::weakly_canonical(fs::absolute(project_dir));
  InputList inputs;
  for (const auto& path : files.paths) {
    std::string fingerprint = file_fingerprint(project / path, cache);
    if (fingerprint.empty()) continue;  // listed by git, deleted since
    inputs.add(path, fingerprint);
  }
  return inputs;
}

}  // namespace nanoforge::venv
