// Which files of a project directory are the project: what its build backend would package,
// and therefore what the venv's key must cover so that a changed source file rebuilds it.
//
// In a git work tree that is `git ls-files --cached --others --exclude-standard` under the
// directory (tracked files and new ones, not what .gitignore ignores: hatchling and
// setuptools-scm honour .gitignore); otherwise every regular file and symlink. Left out either
// way: build junk by name anywhere (.git, build, dist, *.egg-info, __pycache__, node_modules,
// tool caches) and the paths the caller names, which are nanoforge's own outputs and the
// deployment's state when they lie inside the project (with `project: .` the project directory
// is the deployment: instances/ and their sessions, backups/, the compose file, the venv, its
// tarball and backup, the locks).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "base/input_list.h"
#include "base/stat_cache.h"

namespace nanoforge::venv {

// True for a file or directory name that is never part of a project build (see above).
bool is_build_junk(const std::string& name);

struct ProjectFiles {
  bool from_git = false;            // listed by git; false: found by walking the directory
  std::vector<std::string> paths;   // relative to the project, '/'-separated, in byte order
};

// The project's files under `project_dir` (see above); `excluded` are absolute paths (files or
// directories) left out with everything below them; those outside the project are ignored.
// git is used when it is installed and `project_dir` is in a work tree whose listing holds
// pyproject.toml (a project that git ignores is walked instead). Throws nanoforge::Error naming
// the directory when it cannot be read.
ProjectFiles list_project_files(const std::filesystem::path& project_dir,
                                const std::vector<std::filesystem::path>& excluded);

// Every regular file and symlink under `project_dir` without build junk and `excluded`, without
// asking git: what is copied for the build (a superset of list_project_files()).
std::vector<std::string> walk_project_files(const std::filesystem::path& project_dir,
                                            const std::vector<std::filesystem::path>& excluded);

// The fingerprint of each listed file (content, permission bits, symlink target; see
// file_fingerprint), named by its relative path, in the order of `files.paths`. A file
// listed by git but deleted since is left out, as the build would leave it out.
InputList fingerprint_project(const std::filesystem::path& project_dir, const ProjectFiles& files,
                                   StatCache& cache);

}  // namespace nanoforge::venv
