#include "venv/venv_builder.h"

#include <openssl/evp.h>
#include <fcntl.h>
#include <stdio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <sstream>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/input_list.h"
#include "base/stat_cache.h"
#include "venv/assemble.h"
#include "venv/pip_install.h"
#include "venv/project_files.h"
#include "venv/project_reinstall.h"
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

fs::path effective_cache_dir(const VenvOptions& options) {
  return options.cache_dir.empty() ? absolute_output(options.output).parent_path() / ".nanoforge-cache"
                                   : options.cache_dir;
}

// The project's files with their fingerprints, as they are now. Taken before the build copies
// the project: a file changed during the build then makes the next update rebuild again,
// rather than be recorded as built.
InputList project_inputs(const VenvOptions& options) {
  const fs::path project_dir = fs::absolute(options.project_dir).lexically_normal();
  StatCache stat_cache(effective_cache_dir(options) / "stat" /
                            (sha256_of(fs::weakly_canonical(project_dir).string()).hex + ".txt"));
  auto inputs = fingerprint_project(project_dir, list_project_files(project_dir, project_exclusions(options)), stat_cache);
  stat_cache.save();
  return inputs;
}

// The file list a venv was built from, kept in the cache by its digest (the one VERSION.txt
// holds), so that the next update can name the file that changed; any copy of the venv or of
// the deployment finds it too.
fs::path project_record_path(const VenvOptions& options, const std::string& digest_hex) {
  return effective_cache_dir(options) / "venv-inputs" / (digest_hex + ".json");
}

// Keeps the list for `files`, and only the most recent lists beyond a hundred: each is an
// explanation for one possible next update, not a history.
void record_project_files(const VenvOptions& options, const InputList& files) {
  constexpr std::size_t kKept = 100;
  try {
    const fs::path record = project_record_path(options, files.digest().hex);
    fs::create_directories(record.parent_path());
    write_file_atomically(record, files.serialize());
    std::vector<std::pair<fs::file_time_type, fs::path>> records;
    for (const auto& entry : fs::directory_iterator(record.parent_path()))
      records.emplace_back(entry.last_write_time(), entry.path());
    if (records.size() <= kKept) return;
    std::sort(records.begin(), records.end());
    for (std::size_t i = 0; i + kKept < records.size(); ++i) fs::remove(records[i].second);
  } catch (const std::exception&) {
    // Only names the change next time; the venv and its VERSION.txt are in place.
  }
}

// What changed in the project since `info` was written: "project file src/x.py changed".
std::string project_change(const VenvOptions& options, const VersionInfo& info, const InputList& now) {
  if (info.project_files_sha256.empty())
    return "VERSION.txt records no digest of the project's files (written by an older nanoforge)";
  std::optional<InputList> before;
  const std::string& recorded = info.project_files_sha256;
  // A hand-edited VERSION.txt names no file outside the cache.
  if (recorded.size() == 64 && recorded.find_first_not_of("0123456789abcdef") == std::string::npos) {
    try {
      before = InputList::parse(read_file(project_record_path(options, recorded)));
    } catch (const Error&) {
    }
  }
  if (before && before->digest().hex == info.project_files_sha256) {
    auto difference = InputList::first_difference(*before, now);
    if (!difference.empty()) return "project file " + difference;
  }
  return "the project's files changed (" + std::to_string(now.items().size()) +
         " files; the list the venv was built from is not in the cache to name the change)";
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
  // Written only when not the default, so a venv built before WebUI modes existed stays current.
  if (options.webui.mode != WebuiMode::automatic || options.webui.source != WebuiOptions{}.source)
    text << "webui=" << to_string(options.webui.mode) << " " << options.webui.source.generic_string() << "\n";
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

namespace {

// A project-only update found that the project now requires something else: the
// dependencies must be resolved again, by a full build.
struct RequirementsChanged {
  std::string detail;
};

// Builds the venv beside `output` and swaps it in. `only_project`: the interpreter, the lock
// and the options are those of the venv at `output` (update_venv checked), so it is copied
// and only the project replaced in the copy (project_reinstall.h); throws RequirementsChanged
// when the project's requirements differ from the installed one's.
VenvResult build_venv_from(const VenvOptions& options, const InputList& project_files, bool only_project,
                           const ProgressCallback& progress) {
  const fs::path output = absolute_output(options.output);
  const fs::path project_dir = fs::absolute(options.project_dir).lexically_normal();
  const fs::path pyproject = project_dir / "pyproject.toml";
  if (!fs::is_regular_file(pyproject))
    throw Error("project directory " + project_dir.string() + " has no pyproject.toml");
  if (output == project_dir || project_dir.string().rfind(output.string() + "/", 0) == 0)
    throw Error("venv output " + output.string() + " must not be or contain the project directory");
  fs::create_directories(output.parent_path());
  const fs::path cache_dir = effective_cache_dir(options);

  PythonInstall python = provide_python(options.python, cache_dir, progress);
  const fs::path fresh = sibling(output, ".new");
  const fs::path scratch = output.parent_path() / ("." + output.filename().string() + ".build");
  // A killed earlier build leaves these behind; they are never the user's venv.
  fs::remove_all(fresh);
  fs::remove_all(scratch);
  fs::create_directories(scratch);

  VenvResult result;
  auto clean_up = [&] {
    std::error_code ec;
    fs::remove_all(fresh, ec);
    fs::remove(sibling(output, ".new.tar.gz"), ec);
    fs::remove_all(scratch, ec);
  };
  try {
    std::vector<std::string> old_requirements;
    std::string old_project;
    if (only_project) {
      try {
        old_project = read_version_file(output).project_name;
        old_requirements = project_requirements(output, old_project);
        if (progress) progress({"copy " + output.filename().string() + " without the project", 0, 0, "steps"});
        copy_venv_tree(output, fresh);
        remove_project(fresh);
      } catch (const Error& error) {
        // A venv whose project cannot be told apart (no RECORD, say) is simply built anew.
        throw RequirementsChanged{std::string("the installed project could not be taken out of a copy (") +
                                  error.what() + ")"};
      }
      result.project_only = true;
    } else {
      result.interpreter_before_pruning = measure_tree(python.prefix);
      AssembleOptions assemble;
      assemble.prune = prune_patterns(options, python.major_minor);
      assemble.strip_debug = options.strip_debug;
      result.interpreter_after_pruning = assemble_interpreter(python, fresh, assemble, progress);
      install_pip(fresh, python.major_minor, python.prefix, progress);
    }
    ProjectInstall project;
    project.project_dir = project_dir;
    project.extras = options.extras;
    project.requirements = options.requirements;
    project.lock_file = lock_path(options);
    project.scratch_dir = scratch;
    project.excluded = project_exclusions(options);
    project.only_project = only_project;
    project.webui = options.webui;
    project.npm_cache = cache_dir / "npm";
    PipOptions pip;
    pip.index_url = options.index_url;
    pip.extra_index_urls = options.extra_index_urls;
    pip.find_links = options.find_links;
    pip.no_index = options.no_index;
    pip.proxy = options.proxy;
    pip.build_env = options.build_env;
    pip.cache_dir = cache_dir / "pip";
    auto installed = install_project(fresh, python.major_minor, project, pip, progress);
    if (only_project) {
      if (normalize_distribution_name(installed.name) != normalize_distribution_name(old_project))
        throw RequirementsChanged{"the project's name changed"};
      if (project_requirements(fresh, installed.name) != old_requirements)
        throw RequirementsChanged{"the project's requirements changed"};
    }
    const fs::path site = fresh / "lib" / ("python" + python.major_minor) / "site-packages";
    const std::optional<fs::path> webui_bundle = find_webui_bundle(site, installed.name);
    require_webui_bundle(webui_bundle, options.webui);
    relocate_scripts(fresh, python.major_minor);
    if (only_project) {
      auto sources = project_sources(fresh, installed.name);
      compile_bytecode(fresh, python.major_minor, progress, &sources);
    } else {
      compile_bytecode(fresh, python.major_minor, progress);
    }

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
    info.project_files_sha256 = project_files.digest().hex;
    info.build_epoch = options.epoch;
    info.distributions = installed.distributions;
    info.webui_bundle = webui_bundle ? webui_bundle->generic_string() : std::string();
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
  } catch (const RequirementsChanged&) {
    clean_up();
    throw;
  } catch (const Error& error) {
    clean_up();
    throw Error(std::string(error.what()) + "\nvenv build failed; " +
                (fs::exists(output) ? "the existing venv at " + output.string() + " is unchanged"
                                    : "no venv was written at " + output.string()));
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  record_project_files(options, project_files);
  return result;
}

}  // namespace

std::vector<fs::path> project_exclusions(const VenvOptions& options) {
  const fs::path output = absolute_output(options.output);
  std::vector<fs::path> paths = options.not_project;
  paths.insert(paths.end(), {output, backup_path(output), tarball_path(output), sibling(backup_path(output), ".tar.gz"),
                             sibling(output, ".new"), sibling(output, ".new.tar.gz"),
                             output.parent_path() / ("." + output.filename().string() + ".build"), lock_path(options),
                             effective_cache_dir(options)});
  return paths;
}

VenvResult build_venv(const VenvOptions& options, const ProgressCallback& progress) {
  return build_venv_from(options, project_inputs(options), false, progress);
}

UpdateResult update_venv(const VenvOptions& options, bool force, const ProgressCallback& progress) {
  const fs::path output = absolute_output(options.output);
  auto rebuild = [&](const std::string& reason, const InputList* project_files = nullptr) {
    UpdateResult update;
    update.rebuilt = true;
    update.reason = reason;
    update.result = project_files ? build_venv_from(options, *project_files, false, progress) : build_venv(options, progress);
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
  const InputList project_files = project_inputs(options);
  if (project_files.digest().hex != info.project_files_sha256) {
    std::string reason = project_change(options, info, project_files);
    if (info.project_files_sha256.empty()) return rebuild(reason, &project_files);
    // Only the project's own files changed: reinstall it alone into a copy of the venv.
    try {
      UpdateResult update;
      update.rebuilt = true;
      update.reason = reason + "; reinstalled the project alone";
      update.result = build_venv_from(options, project_files, true, progress);
      return update;
    } catch (const RequirementsChanged& changed) {
      return rebuild(reason + "; " + changed.detail + ", so the venv was rebuilt whole", &project_files);
    }
  }
  UpdateResult update;
  update.reason = "up to date: the project's files, the lock, the interpreter and the options are unchanged";
  if (options.write_tarball && !fs::exists(tarball_path(output))) {
    // Nothing to rebuild, but an output is missing (deleted, or an earlier --no-tarball run):
    // written from the venv as it is, the same bytes a build writes.
    const fs::path fresh = sibling(output, ".new.tar.gz");
    write_venv_tarball(output, fresh, output.filename().string(), info.build_epoch);
    rename_path(fresh, tarball_path(output));
    update.reason += "; wrote the missing " + tarball_path(output).filename().string();
  }
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
