// The venv's second and third halves: pip (from the interpreter's own ensurepip), the
// project's dependencies and the project itself, installed with the venv's own pip; then
// console scripts made relocatable and every module compiled to unchecked-hash .pyc.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/progress.h"
#include "venv/webui_bundle.h"

namespace nanoforge::venv {

struct PipOptions {
  std::string index_url;
  std::vector<std::string> extra_index_urls;
  std::vector<std::string> find_links;
  bool no_index = false;
  std::string proxy;                              // HTTP(S)_PROXY for pip
  std::map<std::string, std::string> build_env;   // passed to the build backend
  std::filesystem::path cache_dir;                // pip's wheel cache; empty: none
};

struct ProjectInstall {
  std::filesystem::path project_dir;   // holds pyproject.toml
  std::vector<std::string> extras;
  std::vector<std::string> requirements;
  std::filesystem::path lock_file;     // used when it exists
  std::filesystem::path scratch_dir;   // where the project is copied to be built (outside the venv)
  // Absolute paths inside the project that are not copied for the build: nanoforge's outputs
  // and the deployment's state (see project_files.h; build junk is never copied).
  std::vector<std::filesystem::path> excluded;
  // Install the project alone (--no-deps) into a venv that already holds its dependencies (a
  // copy of the previous venv with the project removed); the lock and `requirements` are not
  // installed again. The caller checks that the project still requires the same
  // (project_requirements()).
  bool only_project = false;
  WebuiOptions webui;                  // built (webui_bundle.h) in the copy before pip builds it
  std::filesystem::path npm_cache;     // npm's cache for a WebUI build
};

struct InstalledProject {
  std::string name;
  std::string version;
  std::string lock_text;   // pip freeze form of everything but the project and pip
  std::vector<std::pair<std::string, std::string>> distributions;  // all, name and version
};

// Installs pip into the venv from the wheel the source interpreter bundles for ensurepip
// (lib/pythonX.Y/ensurepip/_bundled/pip-*.whl), run by the venv's own interpreter, so the
// venv has its own pip even when ensurepip itself is pruned.
void install_pip(const std::filesystem::path& venv_dir, const std::string& major_minor,
                 const std::filesystem::path& source_prefix, const ProgressCallback& progress = {});

// Installs the project (with the lock as constraints, or as hashed requirements) and
// returns what is installed. Throws nanoforge::Error with pip's output on failure.
InstalledProject install_project(const std::filesystem::path& venv_dir, const std::string& major_minor,
                                 const ProjectInstall& project, const PipOptions& pip,
                                 const ProgressCallback& progress = {});

// Rewrites console-script shebangs naming `build_bin_dir` into the relocatable trampoline and
// updates the RECORD files that list them.
void relocate_scripts(const std::filesystem::path& venv_dir, const std::string& major_minor);

// Removes every __pycache__ and compiles all modules with unchecked-hash .pyc (PEP 552) and
// file names as they will be at /opt/venv, so the bytecode is the same for any build directory.
// With `only`, compiles just those .py files (absolute paths inside the venv) and removes no
// other bytecode: the bytes written for them are those the whole-venv run writes.
void compile_bytecode(const std::filesystem::path& venv_dir, const std::string& major_minor,
                      const ProgressCallback& progress = {},
                      const std::vector<std::filesystem::path>* only = nullptr);

// The venv's lib/pythonX.Y/site-packages, whatever X.Y is. Throws nanoforge::Error naming the
// venv when it has none.
std::filesystem::path site_packages_of(const std::filesystem::path& venv_dir);

// The dist-info directory of the distribution installed in `site` (a site-packages directory)
// under that name, compared normalized; empty when there is none.
std::filesystem::path find_dist_info(const std::filesystem::path& site, const std::string& name);

// "Nanobot_AI" -> "nanobot-ai" (PEP 503).
std::string normalize_distribution_name(const std::string& name);

}  // namespace nanoforge::venv
