// The pieces of a project-only venv update: when nothing but the project's own files changed
// (same interpreter, pyproject.toml, lock and options), update_venv copies the venv, takes the
// project out of the copy, installs it alone (pip --no-deps) and compiles only its modules.
// The interpreter and dependency files are then the previous venv's, byte for byte, and the
// project's are what a full build writes; one pip install instead of a whole build.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace nanoforge::venv {

// Copies the venv at `from` to `to` (which must not exist): directories and files with their
// permission bits, symlinks verbatim, files hard-linked to each other linked again (the layers
// record hard links, so a copy that broke them would change the interpreter's layer). Throws
// nanoforge::Error naming the path that failed.
void copy_venv_tree(const std::filesystem::path& from, const std::filesystem::path& to);

// The lines of the installed project's METADATA that decide what it needs besides itself
// (Requires-Dist, Provides-Extra, Requires-Python), in order. Throws nanoforge::Error when the
// venv holds no distribution of that name.
std::vector<std::string> project_requirements(const std::filesystem::path& venv_dir, const std::string& project_name);

// Removes the project's files from the venv (layers.h's project group: what its RECORD lists,
// its dist-info, the bytecode of its modules, VERSION.txt, .pyproject.md5) and the directories
// that leaves empty. Throws nanoforge::Error when the venv has no VERSION.txt.
void remove_project(const std::filesystem::path& venv_dir);

// The project's modules that compile_bytecode() compiles in a full build: the .py files its
// RECORD lists under lib/pythonX.Y, as absolute paths. Throws nanoforge::Error when the venv
// holds no distribution of that name.
std::vector<std::filesystem::path> project_sources(const std::filesystem::path& venv_dir,
                                                   const std::string& project_name);

}  // namespace nanoforge::venv
