#include "venv/venv_builder.h"

#include <openssl/evp.h>
#include <fcntl.h>
#include <stdio.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "base/error.h"
#include "venv/assemble.h"
#include "venv/pip_install.h"
#include "venv/prune.h"
#include "venv/tarball.h"
#include "venv/version_file.h"

namespace nanoforge::venv {
namespace fs = std::filesystem;
namespace {

fs::path sibling(const fs::path& output, const std::string& suffix) {
  return output.parent_path() / (output.filename().string() + suffix);
}

fs::path absolute_output(const fs::path& output) {
  if (output.empty()) throw Error("no venv output directory given");
  auto path = fs::absolute(output).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();
  return path;
}

std::string md5_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string text;
  for (unsigned i = 0; i < length; ++i) text += {hex[digest[i] >> 4], hex[digest[i] & 15]};
  return text;
}

std::vector<std::string> prune_patterns(const VenvOptions& options, const std::string& major_minor) {
  if (!options.prune.empty() || !options.prune_defaults) return options.prune;
  return default_prune_list(major_minor, options.keep_ensurepip);
}

// Everything besides pyproject.toml, the lock and the interpreter that shapes the venv's content.
std::string options_digest(const VenvOptions& options) {
  std::ostringstream text;
  text << "version=" << options.python.version << "\n";
  for (const auto& extra : options.extras) text << "extra=" << extra << "\n";
  for (const auto& requirement : options.requirements) text << "requirement=" << requirement << "\n";
  for (const auto& pattern : options.prune) text << "prune=" << pattern << "\n";
  text << "prune_defaults=" << options.prune_defaults << "\nkeep_ensurepip=" << options.keep_ensurepip
       << "\nstrip_debug=" << options.strip_debug << "\nepoch=" << options.epoch << "\n";
  for (const auto& [name, value] : options.build_env) text << "env=" << name << "=" << value << "\n";
  return sha256_of(text.str()).hex;
}

std::string file_sha256_or_none(const fs::path& path) {
  return fs::exists(path) ? sha256_of_file(path).hex : "none";
}

// Swaps two directory entries in one step (renameat2 RENAME_EXCHANGE): there is never a
// moment without a venv at `a`.
void exchange(const fs::path& a, const fs::path& b) {
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0)
    throw_system_error("cannot swap " + a.string() + " with", b.string());
}

void rename_path(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) throw_system_error("cannot rename " + from.string() + " to", to.string());
}

// Puts `fresh` at `target`; what was there becomes `backup` (the previous backup goes).
void swap_in(const fs::path& fresh, const fs::path& target, const fs::path& backup) {
  if (fs::exists(fs::symlink_status(target))) {
    exchange(fresh, target);
    fs::remove_all(backup);
    rename_path(fresh, backup);
  } else {
    rename_path(fresh, target);
  }
  sync_directory(target.parent_path());
}

// Puts `fresh` at venv.tar.gz beside `output`; the previous one goes beside the backup venv.
fs::path swap_tarball_in(const fs::path& fresh, const fs::path& output) {
  fs::path tarball = tarball_path(output);
  if (fs::exists(tarball)) rename_path(tarball, sibling(backup_path(output), ".tar.gz"));
  rename_path(fresh, tarball);
  return tarball;
}

}  // namespace

fs::path tarball_path(const fs::path& output) { return sibling(absolute_output(output), ".tar.gz"); }
fs::path backup_path(const fs::path& output) { return sibling(absolute_output(output), ".backup"); }
fs::path lock_path(const VenvOptions& options) {
  if (!options.lock_file.empty()) return fs::absolute(options.lock_file);
  return absolute_output(options.output).parent_path() / "requirements.lock";
}

VenvResult build_venv(const VenvOptions& options, const ProgressCallback& progress) {
  const fs::path output = absolute_output(options.output);
  const fs::path project_dir = fs::absolute(options.project_dir).lexically_normal();
  const fs::path pyproject = project_dir / "pyproject.toml";
  if (!fs::is_regular_file(pyproject))
    throw Error("project directory " + project_dir.string() + " has no pyproject.toml");
  if (output == project_dir || project_dir.string().rfind(output.string() + "/", 0) == 0)
    throw Error("venv output " + output.string() + " must not be or contain the project directory");
  fs::create_directories(output.parent_path());
  fs::path cache_dir = options.cache_dir.empty() ? output.parent_path() / ".nanoforge-cache" : options.cache_dir;

  PythonInstall python = provide_python(options.python, cache_dir, progress);
  const fs::path fresh = sibling(output, ".new");
  const fs::path scratch = output.parent_path() / ("." + output.filename().string() + ".build");
  // A killed earlier build leaves these behind; they are never the user's venv.
  fs::remove_all(fresh);
  fs::remove_all(scratch);
  fs::create_directories(scratch);

  VenvResult result;
  try {
    result.interpreter_before_pruning = measure_tree(python.prefix);
    AssembleOptions assemble;
    assemble.prune = prune_patterns(options, python.major_minor);
    assemble.strip_debug = options.strip_debug;
    result.interpreter_after_pruning = assemble_interpreter(python, fresh, assemble, progress);

    install_pip(fresh, python.major_minor, python.prefix, progress);
    ProjectInstall project;
    project.project_dir = project_dir;
    project.extras = options.extras;
    project.requirements = options.requirements;
    project.lock_file = lock_path(options);
    project.scratch_dir = scratch;
    PipOptions pip;
    pip.index_url = options.index_url;
    pip.extra_index_urls = options.extra_index_urls;
    pip.find_links = options.find_links;
    pip.no_index = options.no_index;
    pip.proxy = options.proxy;
    pip.build_env = options.build_env;
    pip.cache_dir = cache_dir / "pip";
    auto installed = install_project(fresh, python.major_minor, project, pip, progress);
    relocate_scripts(fresh, python.major_minor);
    compile_bytecode(fresh, python.major_minor, progress);

    std::string pyproject_text = read_file(pyproject);
    VersionInfo info;
    info.python_version = python.version;
    info.project_name = installed.name;
    info.project_version = installed.version;
    info.pyproject_sha256 = sha256_of(pyproject_text).hex;
    info.lock_sha256 = sha256_of(installed.lock_text).hex;
    info.interpreter_source = python.source;
    info.interpreter_sha256 = python.sha256;
    info.options_sha256 = options_digest(options);
    info.build_epoch = options.epoch;
    info.distributions = installed.distributions;
    write_file_atomically(fresh / "VERSION.txt", format_version_file(info));
    write_file_atomically(fresh / ".pyproject.md5", md5_hex(pyproject_text) + "  pyproject.toml\n");

    fs::path tarball_fresh = sibling(output, ".new.tar.gz");
    if (options.write_tarball) {
      if (progress) progress({"write " + tarball_path(output).filename().string(), 0, 0, "steps"});
      write_venv_tarball(fresh, tarball_fresh, output.filename().string(), options.epoch);
    }

    // Everything is ready: from here on only renames.
    swap_in(fresh, output, backup_path(output));
    if (options.write_tarball) result.tarball = swap_tarball_in(tarball_fresh, output);
    fs::path lock = lock_path(options);
    if (!fs::exists(lock) || read_file(lock) != installed.lock_text) write_file_atomically(lock, installed.lock_text);

    result.venv_dir = output;
    result.python_version = python.version;
    result.project_name = installed.name;
    result.project_version = installed.version;
    result.venv = measure_tree(output);
  } catch (const Error& error) {
    std::error_code ec;
    fs::remove_all(fresh, ec);
    fs::remove(sibling(output, ".new.tar.gz"), ec);
    fs::remove_all(scratch, ec);
    throw Error(std::string(error.what()) + "\nvenv build failed; " +
                (fs::exists(output) ? "the existing venv at " + output.string() + " is unchanged"
                                    : "no venv was written at " + output.string()));
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  return result;
}

UpdateResult update_venv(const VenvOptions& options, bool force, const ProgressCallback& progress) {
  const fs::path output = absolute_output(options.output);
  auto rebuild = [&](const std::string& reason) {
    UpdateResult update;
    update.rebuilt = true;
    update.reason = reason;
    update.result = build_venv(options, progress);
    return update;
  };
  if (force) return rebuild("--force");
  if (!fs::exists(output / "VERSION.txt")) return rebuild("no venv at " + output.string() + " yet");
  if (!fs::exists(output / ".pyproject.md5")) return rebuild(".pyproject.md5 is missing");
  const fs::path pyproject = fs::absolute(options.project_dir) / "pyproject.toml";
  if (!fs::is_regular_file(pyproject))
    throw Error("project directory " + fs::absolute(options.project_dir).string() + " has no pyproject.toml");
  VersionInfo info;
  try {
    info = read_version_file(output / "VERSION.txt");
  } catch (const Error& error) {
    return rebuild(std::string("VERSION.txt is unreadable (") + error.what() + ")");
  }
  std::string pyproject_text = read_file(pyproject);
  if (read_file(output / ".pyproject.md5").substr(0, 32) != md5_hex(pyproject_text) ||
      sha256_of(pyproject_text).hex != info.pyproject_sha256)
    return rebuild("pyproject.toml changed");
  if (file_sha256_or_none(lock_path(options)) != info.lock_sha256)
    return rebuild("the lock " + lock_path(options).string() + " changed");
  if (options_digest(options) != info.options_sha256) return rebuild("the build options changed");
  // A tarball source is named by its digest; an installed interpreter is hashed.
  std::string interpreter = !options.python.tarball.empty() && options.python.prefix.empty()
                                ? options.python.tarball_sha256
                                : provide_python(options.python, options.cache_dir, progress).sha256;
  if (interpreter.rfind("sha256:", 0) == 0) interpreter = interpreter.substr(7);
  if (interpreter != info.interpreter_sha256) return rebuild("the interpreter changed");
  UpdateResult update;
  update.reason = "up to date: pyproject.toml, the lock, the interpreter and the options are unchanged";
  return update;
}

void rollback_venv(const fs::path& output_arg) {
  const fs::path output = absolute_output(output_arg);
  const fs::path backup = backup_path(output);
  if (!fs::exists(fs::symlink_status(backup)))
    throw Error("no backup venv at " + backup.string() + " to roll back to (one is kept by each build or update)");
  if (fs::exists(fs::symlink_status(output))) exchange(backup, output);
  else rename_path(backup, output);
  const fs::path tarball = tarball_path(output);
  const fs::path backup_tarball = sibling(backup, ".tar.gz");
  if (fs::exists(backup_tarball)) {
    if (fs::exists(tarball)) exchange(backup_tarball, tarball);
    else rename_path(backup_tarball, tarball);
  }
  sync_directory(output.parent_path());
}

void install_venv(const fs::path& fresh, const fs::path& output_argument) {
  const fs::path output = absolute_output(output_argument);
  // Only a venv nanoforge made: its VERSION.txt names the interpreter and the epoch.
  auto info = read_version_file(fresh / "VERSION.txt");
  fs::path tarball_fresh = sibling(output, ".new.tar.gz");
  write_venv_tarball(fresh, tarball_fresh, output.filename().string(), info.build_epoch);
  swap_in(fresh, output, backup_path(output));
  swap_tarball_in(tarball_fresh, output);
}

}  // namespace nanoforge::venv
