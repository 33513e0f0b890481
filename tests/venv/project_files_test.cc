// Which files are the project (what the venv's key covers and the build copies): git's list in
// a work tree, every file otherwise, never build junk or nanoforge's own state; and that the
// key follows content, permission bits and symlink targets, and nothing else.
#include "venv/project_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "base/stat_cache.h"
#include "test_support.h"
#include "venv/venv_builder.h"

using namespace nanoforge;
using namespace nanoforge::venv;
using nanoforge::testing::run;
using nanoforge::testing::shell_quote;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;
namespace fs = std::filesystem;

namespace {

// A small package as a user keeps it, with what a working copy accumulates around it.
fs::path write_project(const fs::path& root) {
  write_text(root / "pyproject.toml", "[project]\nname = \"pkg\"\nversion = \"0.1.0\"\n");
  write_text(root / "src/pkg/__init__.py", "print('v1')\n");
  write_text(root / "src/pkg/instances/__init__.py", "# a subpackage that happens to share a deployment's name\n");
  write_text(root / "README.md", "pkg\n");
  write_text(root / "build/lib/pkg/__init__.py", "old\n");
  write_text(root / "dist/pkg-0.1.0.tar.gz", "old\n");
  write_text(root / "src/pkg.egg-info/PKG-INFO", "old\n");
  write_text(root / "src/pkg/__pycache__/__init__.cpython-312.pyc", "old\n");
  write_text(root / "webui/node_modules/left-pad/index.js", "old\n");
  write_text(root / ".git-not-a-repo/keep", "a name that only starts like .git\n");
  write_text(root / "devenv/pyvenv.cfg", "home = /usr/bin\n");  // a developer's virtual environment
  write_text(root / "devenv/lib/site.py", "old\n");
  return root;
}

std::vector<std::string> listed(const fs::path& project, const std::vector<fs::path>& excluded = {}) {
  return list_project_files(project, excluded).paths;
}

bool has(const std::vector<std::string>& paths, const std::string& path) {
  return std::find(paths.begin(), paths.end(), path) != paths.end();
}

InputList fingerprint(const fs::path& project, const std::vector<fs::path>& excluded = {}) {
  StatCache cache;
  return fingerprint_project(project, list_project_files(project, excluded), cache);
}

void git(const fs::path& directory, const std::string& arguments) {
  auto result = run("git -C " + shell_quote(directory.string()) +
                    " -c user.name=test -c user.email=test@example.invalid " + arguments + " 2>&1");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
}

}  // namespace

TEST_CASE("outside git: every file but build junk, in byte order", "[project-files]") {
  TempDir dir;
  auto project = write_project(dir / "project");
  auto files = list_project_files(project, {});
  CHECK_FALSE(files.from_git);
  CHECK(files.paths == std::vector<std::string>{".git-not-a-repo/keep", "README.md", "pyproject.toml",
                                                "src/pkg/__init__.py", "src/pkg/instances/__init__.py"});
  CHECK(is_build_junk(".git"));
  CHECK(is_build_junk("foo.egg-info"));
  CHECK_FALSE(is_build_junk("egg-info"));
  CHECK_FALSE(is_build_junk("builder"));
}

TEST_CASE("nanoforge's own outputs are left out where they are, not by name anywhere", "[project-files]") {
  TempDir dir;
  auto project = write_project(dir / "deploy");
  write_text(project / "instances/alice/workspace/sessions/1.json", "{}\n");
  write_text(project / "venv/VERSION.txt", "Python: 3.12.1\n");
  auto excluded = std::vector<fs::path>{project / "instances", project / "venv", dir / "elsewhere"};
  auto paths = listed(project, excluded);
  CHECK_FALSE(has(paths, "instances/alice/workspace/sessions/1.json"));
  CHECK_FALSE(has(paths, "venv/VERSION.txt"));
  CHECK(has(paths, "src/pkg/instances/__init__.py"));  // the project's own subpackage stays
  // The project directory itself is never excluded (a deployment root given as a path).
  CHECK(listed(project, {project}).size() == listed(project).size());
}

TEST_CASE("the venv's own outputs, backup, tarball, lock and cache inside the project are no input", "[project-files]") {
  TempDir dir;
  auto project = write_project(dir / "deploy");
  VenvOptions options;
  options.project_dir = project;
  options.output = project / "venv";
  for (const char* name : {"venv/bin/python", "venv.backup/bin/python", "venv.tar.gz", "venv.backup.tar.gz",
                           "requirements.lock", ".nanoforge-cache/pip/x", ".venv.build/project/x"})
    write_text(project / name, "x\n");
  auto paths = listed(project, project_exclusions(options));
  CHECK(paths == std::vector<std::string>{".git-not-a-repo/keep", "README.md", "pyproject.toml",
                                          "src/pkg/__init__.py", "src/pkg/instances/__init__.py"});
  // The same names elsewhere in the project are the project's.
  write_text(project / "src/pkg/venv.tar.gz", "data\n");
  CHECK(has(listed(project, project_exclusions(options)), "src/pkg/venv.tar.gz"));
}

TEST_CASE("in a git work tree: tracked and untracked files, not what .gitignore ignores", "[project-files]") {
  if (run("git --version").exit_code != 0) {
    NANOFORGE_SKIP("git is not installed");
  }
  TempDir dir;
  // The project is a subdirectory of the repository, as a monorepo holds it.
  auto repo = dir / "repo";
  auto project = write_project(repo / "python");
  write_text(repo / "other/file.txt", "not the project's\n");
  write_text(repo / ".gitignore", "generated/\n*.log\n");
  write_text(project / "src/pkg/generated/big.bin", "ignored\n");
  write_text(project / "debug.log", "ignored\n");
  write_text(project / "src/pkg/tracked.py", "x = 1\n");
  git(repo, "init -q");
  git(repo, "add -A");
  git(repo, "commit -q -m initial");
  write_text(project / "src/pkg/new_module.py", "y = 2\n");  // untracked, not ignored
  fs::remove(project / "src/pkg/tracked.py");              // deleted, still in the index

  auto files = list_project_files(project, {});
  CHECK(files.from_git);
  CHECK(has(files.paths, "pyproject.toml"));
  CHECK(has(files.paths, "src/pkg/new_module.py"));
  CHECK_FALSE(has(files.paths, "src/pkg/generated/big.bin"));
  CHECK_FALSE(has(files.paths, "debug.log"));
  CHECK_FALSE(has(files.paths, "../other/file.txt"));
  CHECK_FALSE(has(files.paths, "other/file.txt"));
  // Build junk and excluded paths go even when git lists them (here: committed by mistake).
  CHECK_FALSE(has(files.paths, "build/lib/pkg/__init__.py"));
  CHECK_FALSE(has(files.paths, "src/pkg/__pycache__/__init__.cpython-312.pyc"));
  CHECK_FALSE(has(listed(project, {project / "README.md"}), "README.md"));
  // A file in the index but deleted from the work tree has no fingerprint: the build lacks it.
  auto inputs = fingerprint(project);
  bool deleted_listed = false;
  for (const auto& [name, value] : inputs.items()) deleted_listed |= name == "src/pkg/tracked.py";
  CHECK_FALSE(deleted_listed);

  // An ignored file changing leaves the key alone; a tracked or new one changes it.
  auto before = fingerprint(project);
  write_text(project / "src/pkg/generated/big.bin", "changed\n");
  CHECK(fingerprint(project).digest() == before.digest());
  write_text(project / "src/pkg/new_module.py", "y = 3\n");
  CHECK(InputList::first_difference(before, fingerprint(project)) == "src/pkg/new_module.py changed");
}

TEST_CASE("a project git ignores, or one in no work tree, is walked", "[project-files]") {
  if (run("git --version").exit_code != 0) {
    NANOFORGE_SKIP("git is not installed");
  }
  TempDir dir;
  auto repo = dir / "repo";
  write_text(repo / ".gitignore", "deploy/\n");
  auto project = write_project(repo / "deploy");
  git(repo, "init -q");
  auto files = list_project_files(project, {});
  CHECK_FALSE(files.from_git);  // git would list nothing: the key would cover nothing
  CHECK(has(files.paths, "src/pkg/__init__.py"));
}

TEST_CASE("the project key follows content, mode bits and symlink targets, and nothing else", "[project-files]") {
  TempDir dir;
  auto project = write_project(dir / "project");
  fs::create_symlink("__init__.py", project / "src/pkg/alias.py");
  const auto before = fingerprint(project);
  CHECK(fingerprint(project).digest() == before.digest());  // an untouched tree: the same key

  SECTION("touching a file (timestamps only) keeps the key") {
    run("touch -d '2001-02-03 04:05:06' " + shell_quote((project / "src/pkg/__init__.py").string()));
    CHECK(fingerprint(project).digest() == before.digest());
  }
  SECTION("a copy of the tree elsewhere has the same key") {
    fs::copy(project, dir / "copy", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    CHECK(fingerprint(dir / "copy").digest() == before.digest());
  }
  SECTION("content") {
    write_text(project / "src/pkg/__init__.py", "print('v2')\n");
    auto after = fingerprint(project);
    CHECK(after.digest() != before.digest());
    CHECK(InputList::first_difference(before, after) == "src/pkg/__init__.py changed");
  }
  SECTION("the executable bit") {
    ::chmod((project / "src/pkg/__init__.py").c_str(), 0755);
    CHECK(InputList::first_difference(before, fingerprint(project)) == "src/pkg/__init__.py changed");
  }
  SECTION("a symlink's target") {
    fs::remove(project / "src/pkg/alias.py");
    fs::create_symlink("instances/__init__.py", project / "src/pkg/alias.py");
    CHECK(InputList::first_difference(before, fingerprint(project)) == "src/pkg/alias.py changed");
  }
  SECTION("a new file and a removed one") {
    write_text(project / "src/pkg/extra.py", "\n");
    CHECK(InputList::first_difference(before, fingerprint(project)) == "src/pkg/extra.py added");
    fs::remove(project / "src/pkg/extra.py");
    fs::remove(project / "README.md");
    CHECK(InputList::first_difference(before, fingerprint(project)) == "README.md removed");
  }
  SECTION("build junk changing keeps the key") {
    write_text(project / "build/lib/pkg/__init__.py", "newer\n");
    write_text(project / "src/pkg/__pycache__/__init__.cpython-312.pyc", "newer\n");
    CHECK(fingerprint(project).digest() == before.digest());
  }
}

TEST_CASE("the build copies the walked files: the key's files and nothing of nanoforge's", "[project-files]") {
  TempDir dir;
  auto project = write_project(dir / "deploy");
  write_text(project / "backups/alice.tar.gz", "x\n");
  auto walked = walk_project_files(project, {project / "backups"});
  CHECK(walked == listed(project, {project / "backups"}));
  CHECK_FALSE(has(walked, "backups/alice.tar.gz"));
}
