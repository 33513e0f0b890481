// The shared venv: a self-contained, relocatable CPython prefix with a project installed,
// built beside the old one and swapped in atomically. This is the API the CLI and the
// image build use; the stages it runs live in their own files (python_source.h,
// assemble.h, pip_install.h, version_file.h, elf.h, layers.h, elf_closure.h).
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/progress.h"
#include "venv/assemble.h"
#include "venv/python_source.h"
#include "venv/webui_bundle.h"

namespace nanoforge::venv {

struct VenvOptions {
  std::filesystem::path project_dir;  // holds pyproject.toml
  std::filesystem::path output;       // ./venv; venv.tar.gz and the backup go beside it
  // Requirements lock (pip freeze form). Empty: "requirements.lock" beside `output`.
  // Reused when present (with --require-hashes when it holds hashes), written when absent.
  std::filesystem::path lock_file;
  std::filesystem::path cache_dir;    // downloaded interpreters, pip's wheel cache; empty: .nanoforge-cache beside `output`
  PythonRequest python;               // where the interpreter comes from

  std::vector<std::string> extras;        // project extras: "web", "channels"
  std::vector<std::string> requirements;  // extra requirements installed with the project
  std::string index_url;                  // pip --index-url
  std::vector<std::string> extra_index_urls;
  std::vector<std::string> find_links;
  bool no_index = false;
  std::string proxy;                      // sets HTTP(S)_PROXY for pip when not empty
  std::map<std::string, std::string> build_env;  // e.g. NANOBOT_SKIP_WEBUI_BUILD=1
  WebuiOptions webui;                     // the app's WebUI bundle: built, required or left alone

  // Stdlib paths removed (see prune.h); empty list: default_prune_list(keep_ensurepip).
  std::vector<std::string> prune;
  bool prune_defaults = true;  // when `prune` is empty, use the defaults
  bool keep_ensurepip = false;
  bool strip_debug = true;     // binutils strip --strip-debug on every ELF file
  bool write_tarball = true;   // ./venv.tar.gz
  std::int64_t epoch = 0;      // SOURCE_DATE_EPOCH: recorded in VERSION.txt, tar mtimes

  // Absolute paths inside the project directory that are no part of the project: nanoforge's
  // outputs and the deployment's state, for when the project directory is the deployment
  // (`project: .`). Neither copied for the build nor covered by the key (project_files.h). The
  // venv's own outputs, lock and cache are added by project_exclusions().
  std::vector<std::filesystem::path> not_project;
};

struct VenvResult {
  std::filesystem::path venv_dir;
  std::filesystem::path tarball;      // empty when not written
  std::string python_version;         // "3.12.1"
  std::string project_name;
  std::string project_version;
  TreeSize interpreter_before_pruning;  // the source prefix's stdlib + interpreter
  TreeSize interpreter_after_pruning;   // interpreter + stdlib in the venv
  TreeSize venv;                        // the whole venv
  // Only the project was reinstalled, into a copy of the previous venv (the interpreter sizes
  // are then not measured).
  bool project_only = false;
};

// Builds the venv from scratch beside `output` and swaps it in; the previous venv becomes
// the backup. On any failure the existing venv is untouched and the Error says so.
VenvResult build_venv(const VenvOptions& options, const ProgressCallback& progress = {});

struct UpdateResult {
  bool rebuilt = false;
  // Why it was (or was not) rebuilt: "pyproject.toml changed", "project file src/pkg/x.py
  // changed" (the first changed, added or removed file), ...
  std::string reason;
  VenvResult result;   // filled when rebuilt
};

// Rebuilds when any input of the venv changed: one of the project's files (project_files.h:
// content, permission bits or symlink target; pyproject.toml among them), the lock, the
// interpreter or the build options; or when venv/.pyproject.md5 is missing, or `force` is set.
// When only the project's own files changed (pyproject.toml not among them), the project alone
// is reinstalled into a copy of the venv (project_reinstall.h), unless its requirements then
// differ: the interpreter and dependency files stay as they were, byte for byte.
UpdateResult update_venv(const VenvOptions& options, bool force,
                         const ProgressCallback& progress = {});

// Everything the key and the build copy leave out of the project directory: `not_project`
// plus the venv's output, its backup, tarballs and scratch directories, the lock and the cache.
std::vector<std::filesystem::path> project_exclusions(const VenvOptions& options);

// Swaps the backup (kept by the last build or update) back in; the current venv becomes the
// backup, so a second rollback undoes the first. Throws when there is no backup.
void rollback_venv(const std::filesystem::path& output);

// Puts a complete venv made elsewhere (e.g. unpacked from the venv image a registry holds)
// at `output` with a venv.tar.gz written for it; the previous venv becomes the backup, as
// after a build. `fresh` must be on the same file system as `output` (it is renamed).
void install_venv(const std::filesystem::path& fresh, const std::filesystem::path& output);

// Where the outputs and the backup live for an output directory.
std::filesystem::path tarball_path(const std::filesystem::path& output);   // venv.tar.gz
std::filesystem::path backup_path(const std::filesystem::path& output);    // venv.backup
std::filesystem::path lock_path(const VenvOptions& options);

}  // namespace nanoforge::venv
