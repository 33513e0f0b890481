// `nanoforge venv build|update|rollback|pull|closure`: the shared venv on its own, without a spec.
#include <cstdlib>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "builder/cli/commands.h"
#include "builder/cli/console.h"
#include "builder/plan/venv_stage.h"
#include "builder/publish/registry_push.h"
#include "builder/verify/verify.h"
#include "venv/venv_pull.h"
#include "venv/elf_closure.h"
#include "venv/venv_builder.h"

namespace nanoforge::builder {
namespace {

namespace fs = std::filesystem;

struct VenvCommandOptions {
  venv::VenvOptions venv;
  std::string project = ".";
  std::string output = "venv";
  std::string lock;
  std::vector<std::string> build_env;  // KEY=VALUE
  std::string webui;                   // build | prebuilt | none | automatic
  bool no_strip = false;
  bool no_tarball = false;
  bool force = false;
  std::string rootfs;
};

void add_build_options(CLI::App* command, VenvCommandOptions& o) {
  command->add_option("--project", o.project, "Directory holding the project's pyproject.toml (default: .)");
  command->add_option("-o,--output", o.output, "The venv directory (default: ./venv); venv.tar.gz goes beside it");
  command->add_option("--python", o.venv.python.prefix, "An installed CPython prefix to copy (pyenv, /usr/local, ...)");
  command->add_option("--python-version", o.venv.python.version, "Required Python version (default: 3.12)");
  command->add_option("--python-tarball", o.venv.python.tarball,
                      "URL or path of a python-build-standalone install_only tarball");
  command->add_option("--python-sha256", o.venv.python.tarball_sha256, "SHA-256 of --python-tarball");
  command->add_option("--lock", o.lock, "Requirements lock (default: requirements.lock beside the venv)");
  command->add_option("--extra", o.venv.extras, "Project extra to install (repeatable)");
  command->add_option("--requirement", o.venv.requirements, "Extra requirement to pre-install (repeatable)");
  command->add_option("--index-url", o.venv.index_url, "pip --index-url");
  command->add_option("--extra-index-url", o.venv.extra_index_urls, "pip --extra-index-url (repeatable)");
  command->add_option("--find-links", o.venv.find_links, "pip --find-links (repeatable)");
  command->add_flag("--no-index", o.venv.no_index, "pip --no-index");
  command->add_option("--proxy", o.venv.proxy, "HTTP(S) proxy for pip (default: HTTP(S)_PROXY from the environment)");
  command->add_option("--build-env", o.build_env, "KEY=VALUE for the project's build backend (repeatable)");
  command->add_option("--webui", o.webui,
                      "The app's WebUI bundle: build (npm in webui/), prebuilt, none, or automatic (the default: the "
                      "app's build backend decides), as the spec's venv.webui");
  command->add_option("--prune", o.venv.prune, "Stdlib path pattern to remove, replacing the default list (repeatable)");
  command->add_flag("--keep-ensurepip", o.venv.keep_ensurepip, "Keep ensurepip in the stdlib");
  command->add_flag("--no-strip", o.no_strip, "Keep debug symbols (no strip --strip-debug)");
  command->add_flag("--no-tarball", o.no_tarball, "Do not write venv.tar.gz");
  command->add_option("--epoch", o.venv.epoch, "Build epoch (default: $SOURCE_DATE_EPOCH or 0)");
}

venv::VenvOptions resolve(const VenvCommandOptions& o, const GlobalOptions& global) {
  venv::VenvOptions options = o.venv;
  options.project_dir = o.project;
  options.output = o.output;
  options.lock_file = o.lock;
  options.cache_dir = global.cache_path();
  options.strip_debug = !o.no_strip;
  options.write_tarball = !o.no_tarball;
  if (options.epoch == 0)
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) options.epoch = std::atoll(epoch);
  // Run in the deployment (the guide's scripts do): with `--project .` its state is no project input.
  options.not_project = not_project_paths({fs::current_path(), fs::absolute(options.output).parent_path()},
                                          global.spec_path(), global.layout_path(), global.cache_path());
  if (!o.webui.empty()) options.webui.mode = venv::parse_webui_mode(o.webui, "--webui");
  for (const auto& item : o.build_env) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--build-env \"" + item + "\": expected KEY=VALUE");
    options.build_env[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return options;
}

std::string size_text(const venv::TreeSize& size) {
  return human_bytes(size.bytes) + " in " + std::to_string(size.files) + " files";
}

void report(Console& console, const venv::VenvResult& result, const std::string& reason) {
  if (console.json()) {
    auto size = [](const venv::TreeSize& s) { return nlohmann::json{{"bytes", s.bytes}, {"files", s.files}}; };
    console.json(nlohmann::json{{"rebuilt", true},
                                {"reason", reason},
                                {"venv", result.venv_dir.string()},
                                {"tarball", result.tarball.string()},
                                {"python", result.python_version},
                                {"project", result.project_name},
                                {"projectVersion", result.project_version},
                                {"sourceInterpreter", size(result.interpreter_before_pruning)},
                                {"interpreterAfterPruning", size(result.interpreter_after_pruning)},
                                {"venvSize", size(result.venv)},
                                {"projectOnly", result.project_only}});
    return;
  }
  std::vector<std::vector<std::string>> rows;
  // A project-only update copied the interpreter: there is no pruning to report.
  if (!result.project_only)
    rows = {{"source interpreter (before pruning)", size_text(result.interpreter_before_pruning)},
            {"interpreter + stdlib (after pruning)", size_text(result.interpreter_after_pruning)}};
  rows.push_back({"venv (with " + result.project_name + " " + result.project_version + ")", size_text(result.venv)});
  console.out(format_table({"", "SIZE"}, rows) +
              "\nbuilt " + result.venv_dir.string() + " (Python " + result.python_version + ")" +
              (result.tarball.empty() ? "" : " and " + result.tarball.string()) +
              (reason.empty() ? "" : ": " + reason) + "\n");
}

}  // namespace

void add_venv_commands(CLI::App& app, GlobalOptions& options) {
  auto* venv = app.add_subcommand("venv", "Build, update and roll back the shared Python venv (./venv)");
  venv->require_subcommand(1);

  auto build_options = std::make_shared<VenvCommandOptions>();
  auto* build = venv->add_subcommand("build", "Build the venv from the project's pyproject.toml (always rebuilds)");
  add_build_options(build, *build_options);
  build->callback([&options, build_options] {
    Console console(options.quiet, options.json);
    auto result = venv::build_venv(resolve(*build_options, options), console.progress());
    report(console, result, "");
  });

  auto update_options = std::make_shared<VenvCommandOptions>();
  auto* update = venv->add_subcommand(
      "update",
      "Rebuild the venv only if one of the project's files (git ls-files in a git work tree, else every file but "
      "build output and the deployment's own state), the lock, the interpreter or the options changed; swap it in "
      "atomically");
  add_build_options(update, *update_options);
  update->add_flag("--force", update_options->force, "Rebuild even when nothing changed");
  update->callback([&options, update_options] {
    Console console(options.quiet, options.json);
    auto result = venv::update_venv(resolve(*update_options, options), update_options->force, console.progress());
    if (result.rebuilt) {
      report(console, result.result, result.reason);
    } else {
      console.json({{"rebuilt", false}, {"reason", result.reason}});
      console.out("venv " + update_options->output + " is " + result.reason + "\n");
    }
  });

  auto rollback_output = std::make_shared<std::string>("venv");
  auto* rollback = venv->add_subcommand("rollback", "Swap the backup venv (kept by the last build/update) back in");
  rollback->add_option("-o,--output", *rollback_output, "The venv directory (default: ./venv)");
  rollback->callback([&options, rollback_output] {
    Console console(options.quiet, options.json);
    venv::rollback_venv(*rollback_output);
    console.json({{"venv", *rollback_output}, {"restoredFrom", venv::backup_path(*rollback_output).string()}});
    console.out("restored " + *rollback_output + " from " + venv::backup_path(*rollback_output).string() + "\n");
  });

  struct PullArguments {
    std::string remote;
    std::string output = "venv";
    RegistryFlags flags;
  };
  auto pull_arguments = std::make_shared<PullArguments>();
  auto* pull = venv->add_subcommand(
      "pull", "Pull a venv image (NAME-venv:VERSION, made by build) from a registry and swap it in at ./venv");
  pull->add_option("reference", pull_arguments->remote, "REGISTRY/REPOSITORY:TAG or ...@sha256:DIGEST")->required();
  pull->add_option("-o,--output", pull_arguments->output, "The venv directory (default: ./venv)");
  add_registry_flags(pull, pull_arguments->flags);
  pull->callback([&options, pull_arguments] {
    Console console(options.quiet, options.json);
    oci::PullOptions pull_options;
    pull_options.transport = pull_arguments->flags.transport();
    pull_options.jobs = pull_arguments->flags.jobs;
    oci::Layout layout(options.layout_path());
    auto result = venv::pull_venv(layout, RemoteReference::parse(pull_arguments->remote), pull_arguments->output,
                            pull_options, console.progress());
    console.json({{"venv", result.venv.string()},
                  {"image", result.local.str()},
                  {"digest", result.pull.manifest.digest.str()},
                  {"pythonVersion", result.python_version},
                  {"blobBytesReceived", result.pull.bytes_received}});
    {
      console.out("venv " + result.venv.string() + " (Python " + result.python_version + ") from " +
                  pull_arguments->remote + " " + result.pull.manifest.digest.str() + "\n");
    }
  });

  auto closure_options = std::make_shared<VenvCommandOptions>();
  auto* closure = venv->add_subcommand(
      "closure", "List shared libraries the venv needs that neither it nor a runtime root file system provides");
  closure->add_option("-o,--output", closure_options->output, "The venv directory (default: ./venv)");
  closure->add_option("--rootfs", closure_options->rootfs, "The runtime's root file system (a directory)")->required();
  closure->callback([&options, closure_options] {
    Console console(options.quiet, options.json);
    auto unresolved = venv::elf_closure(closure_options->output, closure_options->rootfs);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& need : unresolved) list.push_back({{"library", need.library}, {"neededBy", need.needed_by}});
    console.json(list);
    // The missing libraries go to stderr with the failure: stdout holds results only.
    if (options.json) {
      // the document above says it all
    } else if (unresolved.empty()) {
      console.out("every library the venv needs is in the venv or in " + closure_options->rootfs + "\n");
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& need : unresolved) {
        std::string users = need.needed_by.front();
        if (need.needed_by.size() > 1) users += " (+" + std::to_string(need.needed_by.size() - 1) + " more)";
        rows.push_back({need.library, users});
      }
      std::cerr << format_table({"MISSING LIBRARY", "NEEDED BY"}, rows);
    }
    if (!unresolved.empty())
      throw CheckFailed(std::to_string(unresolved.size()) + " shared libraries the venv needs are missing from " +
                        closure_options->rootfs);
  });
}

}  // namespace nanoforge::builder
