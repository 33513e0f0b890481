// The pieces of a project-only venv update, on a small venv made by hand: the copy keeps
// everything a layer records, removing the project leaves the interpreter and dependencies
// exactly as they were, and the project's requirements and modules are read from its metadata.
#include "venv/project_reinstall.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "base/error.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::venv;
using nanoforge::testing::read_text;
using nanoforge::testing::run;
using nanoforge::testing::shell_quote;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;
namespace fs = std::filesystem;

namespace {

const std::string kSite = "lib/python3.12/site-packages";

// A venv holding the interpreter's stub, one dependency and the project "my_pkg" (package pkg).
fs::path write_venv(const fs::path& venv) {
  write_text(venv / "VERSION.txt",
             "Python: 3.12.1\nProject: my_pkg 0.1.0\nPyproject-SHA256: a\nLock-SHA256: b\n"
             "Interpreter-Source: test\nInterpreter-SHA256: c\nBuild-Epoch: 0\nDistributions:\n");
  write_text(venv / ".pyproject.md5", "d  pyproject.toml\n");
  write_text(venv / "bin/python3.12", "#!elf\n");
  ::chmod((venv / "bin/python3.12").c_str(), 0755);
  fs::create_symlink("python3.12", venv / "bin/python");
  write_text(venv / "lib/python3.12/os.py", "# os\n");
  write_text(venv / kSite / "dep/__init__.py", "# dep\n");
  write_text(venv / kSite / "dep-1.0.dist-info/RECORD", "dep/__init__.py,,\ndep-1.0.dist-info/RECORD,,\n");
  write_text(venv / kSite / "pkg/__init__.py", "print('v1')\n");
  write_text(venv / kSite / "pkg/sub/mod.py", "x = 1\n");
  write_text(venv / kSite / "pkg/__pycache__/__init__.cpython-312.pyc", "bytecode\n");
  write_text(venv / kSite / "my_pkg-0.1.0.dist-info/METADATA",
             "Metadata-Version: 2.1\nName: my_pkg\nVersion: 0.1.0\nRequires-Python: >=3.12\n"
             "Requires-Dist: dep>=1\nProvides-Extra: web\nRequires-Dist: aiohttp; extra == \"web\"\n\n"
             "Requires-Dist: not a header, the description\n");
  write_text(venv / kSite / "my_pkg-0.1.0.dist-info/RECORD",
             "pkg/__init__.py,sha256=x,12\npkg/sub/mod.py,sha256=y,6\n../../../bin/my-pkg,sha256=z,40\n"
             "my_pkg-0.1.0.dist-info/METADATA,,\nmy_pkg-0.1.0.dist-info/RECORD,,\n");
  write_text(venv / "bin/my-pkg", "#!/bin/sh\n");
  ::chmod((venv / "bin/my-pkg").c_str(), 0755);
  return venv;
}

}  // namespace

TEST_CASE("copy_venv_tree keeps modes, symlinks and hard links", "[project-reinstall]") {
  TempDir dir;
  auto venv = write_venv(dir / "venv");
  fs::create_hard_link(venv / "bin/python3.12", venv / "bin/python3");
  ::chmod((venv / "lib/python3.12").c_str(), 0750);
  copy_venv_tree(venv, dir / "copy");
  auto diff = run("diff -r " + shell_quote(venv.string()) + " " + shell_quote((dir / "copy").string()));
  INFO(diff.output);
  CHECK(diff.exit_code == 0);
  struct stat a {}, b {};
  ::lstat((dir / "copy/bin/python3.12").c_str(), &a);
  ::lstat((dir / "copy/bin/python3").c_str(), &b);
  CHECK(a.st_ino == b.st_ino);  // still one file
  CHECK((a.st_mode & 07777) == 0755);
  ::lstat((dir / "copy/lib/python3.12").c_str(), &a);
  CHECK((a.st_mode & 07777) == 0750);
  CHECK(fs::read_symlink(dir / "copy/bin/python") == "python3.12");
  CHECK_THROWS_AS(copy_venv_tree(venv, dir / "copy"), Error);  // never over an existing tree
}

TEST_CASE("remove_project takes out the project's files and nothing else", "[project-reinstall]") {
  TempDir dir;
  auto venv = write_venv(dir / "venv");
  remove_project(venv);
  for (const char* gone : {"VERSION.txt", ".pyproject.md5", "bin/my-pkg", "lib/python3.12/site-packages/pkg",
                           "lib/python3.12/site-packages/my_pkg-0.1.0.dist-info"})
    CHECK_FALSE(fs::exists(fs::symlink_status(venv / gone)));
  for (const char* kept : {"bin/python3.12", "bin/python", "lib/python3.12/os.py", "lib/python3.12/site-packages/dep/__init__.py",
                           "lib/python3.12/site-packages/dep-1.0.dist-info/RECORD"})
    CHECK(fs::exists(fs::symlink_status(venv / kept)));
  CHECK(fs::is_directory(venv / kSite));  // emptied directories go, shared ones stay
}

TEST_CASE("the project's requirements and modules come from its metadata", "[project-reinstall]") {
  TempDir dir;
  auto venv = write_venv(dir / "venv");
  CHECK(project_requirements(venv, "My-Pkg") ==
        std::vector<std::string>{"Requires-Python: >=3.12", "Requires-Dist: dep>=1", "Provides-Extra: web",
                                 "Requires-Dist: aiohttp; extra == \"web\""});
  CHECK(project_sources(venv, "my_pkg") ==
        std::vector<fs::path>{venv / kSite / "pkg/__init__.py", venv / kSite / "pkg/sub/mod.py"});
  CHECK_THROWS_WITH(project_requirements(venv, "other"), Catch::Contains("no distribution other"));
}
