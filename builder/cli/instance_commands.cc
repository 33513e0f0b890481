// `instance create|delete|backup|restore|migrate|list|check`, `compose`, `up`, `down`, `start`,
// `stop`, `restart`, `logs`, `status`: the guide's day-to-day commands on a deployment directory.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <memory>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/joined.h"
#include "builder/cli/commands.h"
#include "builder/cli/console.h"
#include "deploy/secrets_file.h"
#include "deploy/backup.h"
#include "deploy/compose.h"
#include "deploy/deployment.h"
#include "deploy/engine.h"
#include "deploy/instance_config.h"
#include "deploy/engine_runtime.h"
#include "deploy/compose_settings.h"
#include "deploy/instance_check.h"
#include "deploy/instance_delete.h"
#include "deploy/lifecycle.h"
#include "deploy/instance_create.h"
#include "deploy/migrate.h"
#include "deploy/ownership.h"
#include "deploy/status.h"

namespace nanoforge::builder {
// The instance commands are the front end of deploy/.
using namespace nanoforge::deploy;

namespace {

// Options the deployment commands share.
struct DeploymentOptions {
  std::string dir = ".";
  std::string engine;  // --engine; empty: $NANOFORGE_ENGINE or auto
};

void add_deployment_options(CLI::App* command, DeploymentOptions& options, bool with_engine) {
  command->add_option("--dir", options.dir, "Deployment directory (default: the current directory)");
  if (with_engine)
    command->add_option("--engine", options.engine,
                        "auto, docker, docker-compose, docker-compose-v2 or podman (default: $NANOFORGE_ENGINE or auto)");
}

void print_warnings(Console& console, const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) console.warn(warning);
}

std::string ask(Console& console, const std::string& question) {
  console.prompt(question);
  std::string answer;
  std::getline(std::cin, answer);
  return answer;
}

// Where a published WebUI answers and what the browser asks for.
std::string webui_line(const Deployment& deployment, const std::string& instance, int port, const std::string& secret) {
  return "WebUI: http://" + deployment.settings().publish_address + ":" + std::to_string(port) +
         "/ (when asked, give the value of " + secret + " in " + (deployment.instance_dir(instance) / ".env").string() +
         ")\n";
}

std::string ask_soul(Console& console) {
  console.prompt("Choose a personality for the instance:\n"
               "  1) assistant  friendly, professional personal assistant\n"
               "  2) expert     technical expert, in-depth analysis\n"
               "  3) creative   creative writing, brainstorming\n"
               "  4) custom     start from a stub you write yourself\n");
  std::string answer = ask(console, "Choice [1]: ");
  if (answer.empty() || answer == "1") return "assistant";
  if (answer == "2") return "expert";
  if (answer == "3") return "creative";
  if (answer == "4") return "custom";
  return answer;  // a name typed out; validated like --soul
}

void add_create(CLI::App* instance_app, GlobalOptions& global) {
  struct Options {
    DeploymentOptions deployment;
    CreateRequest request;
    int port = 0;
    int webui_port = 0;
    int api_port = 0;
  };
  auto options = std::make_shared<Options>();
  auto* command = instance_app->add_subcommand("create", "Create an instance: directories, config.json, SOUL.md, .env");
  command->add_option("name", options->request.name, "Instance name (a-z, 0-9, '-')")->required();
  auto* port = command->add_option("port", options->port, "Host port (default: the next free one from 18790)");
  command->add_option("model", options->request.model, "Model (default: gpt-4o-mini)");
  auto* soul = command->add_option("--soul", options->request.soul, "assistant, expert, creative or custom");
  command->add_option("--provider", options->request.provider,
                      "Provider: one of upstream Nanobot's (default: the one the model implies), or a name of your "
                      "own with --api-base");
  command->add_option("--api-base", options->request.api_base,
                      "The provider's endpoint URL as the container reaches it (custom and local providers)");
  command->add_option("--fallback", options->request.fallbacks,
                      "MODEL[@PROVIDER] to fall back to when the model fails (repeatable, in order)");
  command->add_option("--context-window", options->request.context_window, "The model's context window, in tokens");
  command->add_option("--api-key-env", options->request.api_key_env,
                      "Variable holding the API key (default: <PROVIDER>_API_KEY); its value, when set, goes to .env");
  auto* webui = command->add_option("--webui-port", options->webui_port,
                                    "Also publish Nanobot's WebUI (8765 inside) on this host port");
  auto* api = command->add_option("--api-port", options->api_port,
                      "Also run Nanobot's OpenAI-compatible API (nanobot serve, 8900 inside) on this host port, with a key");
  add_deployment_options(command, options->deployment, false);
  command->callback([options, soul, port, webui, api, &global] {
    Console console(global.quiet, global.json);
    Deployment deployment(options->deployment.dir);
    CreateRequest request = options->request;
    if (port->count() > 0) request.port = options->port;
    // Given means given, 0 too: the port check refuses it rather than nothing being published.
    if (webui->count() > 0) request.webui_port = options->webui_port;
    if (api->count() > 0) request.api_port = options->api_port;
    if (soul->count() == 0 && ::isatty(0) && ::isatty(1)) request.soul = ask_soul(console);
    request.api_key_from_environment = true;
    DeploymentLock lock(deployment);
    Instance instance = create_instance(deployment, request);
    // The keys config.json refers to that .env leaves empty: the main one unless given.
    std::vector<std::string> to_fill;
    for (const auto& name : key_variables(instance)) {
      const char* value = std::getenv(name.c_str());
      if (name != instance.api_key_env || !value || !*value) to_fill.push_back(name);
    }
    console.json(to_json(instance));
    std::string text = "Created instance '" + instance.name + "' on port " + std::to_string(instance.port) +
                       " (model " + instance.model + ", soul " + instance.soul + ") in " +
                       deployment.instance_dir(instance.name).string() + "\n";
    if (instance.webui_port) text += webui_line(deployment, instance.name, *instance.webui_port, kWebTokenVariable);
    if (instance.api_port)
      text += "API: http://" + deployment.settings().publish_address + ":" + std::to_string(*instance.api_port) +
              "/v1 (OpenAI-compatible; send Authorization: Bearer with the value of " + kApiKeyVariable + " in " +
              (deployment.instance_dir(instance.name) / ".env").string() + ")\n";
    if (instance.setup.needs_login) {
      std::string provider = instance.provider;
      std::replace(provider.begin(), provider.end(), '_', '-');  // as upstream's CLI spells it
      text += "Log in to " + provider + " first (OAuth; the token is kept with the instance): nanoforge instance exec " +
              instance.name + " -- nanobot provider login " + provider + "\n";
    }
    if (!to_fill.empty()) {
      text += "Set " + joined(to_fill) + " in " + (deployment.instance_dir(instance.name) / ".env").string() +
              " before starting it; then: nanoforge up " + instance.name + "\n";
    }
    else
      text += "Start it with: nanoforge up " + instance.name + "\n";
    console.out(text);
  });
}

void add_delete(CLI::App* instance_app, GlobalOptions& global) {
  struct Options {
    DeploymentOptions deployment;
    std::string name;
    bool yes = false;
    bool no_backup = false;
  };
  auto options = std::make_shared<Options>();
  auto* command = instance_app->add_subcommand("delete", "Delete an instance (after a backup unless --no-backup)");
  command->add_option("name", options->name, "Instance name")->required();
  command->add_flag("-y,--yes", options->yes, "Do not ask");
  command->add_flag("--no-backup", options->no_backup, "Delete without taking a backup first");
  add_deployment_options(command, options->deployment, true);
  command->callback([options, &global] {
    Console console(global.quiet, global.json);
    Deployment deployment(options->deployment.dir);
    validate_instance_name(options->name);
    DeploymentLock lock(deployment);
    deployment.load_instance(options->name);  // exists and reads, before anyone is asked
    if (!options->yes) {
      if (!::isatty(0))
        throw Error("deleting instance '" + options->name + "' needs confirmation: pass --yes (stdin is not a terminal)");
      std::string answer = ask(console, "Delete instance '" + options->name + "' and its data" +
                               (options->no_backup ? " WITHOUT a backup" : " (a backup is taken first)") + "? [y/N] ");
      if (answer != "y" && answer != "Y" && answer != "yes") throw Error("not deleted: no confirmation");
    }
    auto project = project_if_available(deployment, options->deployment.engine);
    auto result = delete_instance(deployment, options->name, options->no_backup, project.get());
    if (result.backup) console.out("Backup: " + result.backup->string() + "\n");
    console.json({{"deleted", result.name},
                  {"backup", result.backup ? nlohmann::json(result.backup->string()) : nlohmann::json()}});
    console.out("Deleted instance '" + result.name + "'\n");
  });
}

void add_backup(CLI::App* instance_app, GlobalOptions& global) {
  struct Options {
    DeploymentOptions deployment;
    std::vector<std::string> names;
    bool all = false;
    bool include_secrets = false;
    std::string output;
  };
  auto options = std::make_shared<Options>();
  auto* command = instance_app->add_subcommand("backup", "Back up instances to a .tar.zst with SHA-256 manifest");
  command->add_option("names", options->names, "Instances to back up");
  command->add_flag("--all", options->all, "Every instance");
  command->add_flag("--include-secrets", options->include_secrets, "Include instances/NAME/.env (the API keys)");
  command->add_option("-o,--output", options->output, "Archive to write (default: backups/NAME-DATE.tar.zst)");
  add_deployment_options(command, options->deployment, true);
  command->callback([options, &global] {
    Console console(global.quiet, global.json);
    Deployment deployment(options->deployment.dir);
    DeploymentLock lock(deployment);
    std::vector<std::string> names = options->all ? deployment.instance_names() : options->names;
    if (!options->all && names.empty()) throw CLI::ValidationError("instance backup", "name instances or pass --all");
    if (options->all && !options->names.empty()) throw CLI::ValidationError("instance backup", "--all takes no names");
    for (const auto& name : names) validate_instance_name(name);
    std::string label = options->all ? "all" : names.size() == 1 ? names[0] : "instances";
    std::filesystem::path output = options->output.empty() ? default_backup_path(deployment, label)
                                                                   : std::filesystem::path(options->output);
    auto project = project_if_available(deployment, options->deployment.engine);
    std::unique_ptr<EngineRuntime> runtime;
    BackupOptions backup_options;
    backup_options.include_secrets = options->include_secrets;
    if (project) {
      runtime = std::make_unique<EngineRuntime>(*project);
      backup_options.image_id = project->image_id(deployment.settings().image);
    }
    auto result = backup_instances(deployment, names, output, backup_options, runtime.get());
    console.json({{"archive", result.archive.string()}, {"paused", result.paused},
                  {"instances", names}, {"secretsIncluded", options->include_secrets}});
    std::string text = "Backed up " + std::to_string(names.size()) + " instance(s) to " + result.archive.string() +
                       " (" + std::to_string(result.manifest["files"].size()) + " entries" +
                       (options->include_secrets ? ", secrets included" : ", without secrets") + ")\n";
    if (!result.paused.empty())
      text += "Stopped and restarted for a consistent copy: " + std::to_string(result.paused.size()) + "\n";
    console.out(text);
  });
}

void add_restore(CLI::App* instance_app, GlobalOptions& global) {
  struct Options {
    DeploymentOptions deployment;
    std::string archive;
    bool force = false;
  };
  auto options = std::make_shared<Options>();
  auto* command = instance_app->add_subcommand("restore", "Restore instances from a backup (every SHA-256 checked first)");
  command->add_option("archive", options->archive, "Backup file (.tar.zst)")->required();
  command->add_flag("--force", options->force, "Replace existing instances (running ones are stopped)");
  add_deployment_options(command, options->deployment, true);
  command->callback([options, &global] {
    Console console(global.quiet, global.json);
    Deployment deployment(options->deployment.dir);
    DeploymentLock lock(deployment);
    auto project = project_if_available(deployment, options->deployment.engine);
    std::unique_ptr<EngineRuntime> runtime;
    if (project) runtime = std::make_unique<EngineRuntime>(*project);
    auto result = restore_backup(deployment, options->archive, options->force, runtime.get());
    write_compose(deployment);
    if (runtime && !result.stopped.empty()) runtime->start(result.stopped);  // as they were
    console.json({{"instances", result.instances},
                  {"secretsToSupply", result.secrets_to_supply},
                  {"variablesToSupply", result.variables_to_supply},
                  {"loginsToRedo", result.logins_to_redo},
                  {"restarted", result.stopped},
                  {"replacedBackups", result.replaced_backups}});
    std::string text;
    for (const auto& archive : result.replaced_backups)
      text += "The instance it replaced is backed up in " + archive.string() + "\n";
    for (const auto& name : result.instances) text += "Restored instance '" + name + "'\n";
    for (const auto& name : result.stopped) text += "Started '" + name + "' again (it was running)\n";
    for (const auto& name : result.secrets_to_supply) {
      std::string variables;
      if (auto found = result.variables_to_supply.find(name); found != result.variables_to_supply.end())
        variables = joined(found->second);
      text += "The backup holds no secrets: fill in " + (variables.empty() ? std::string("the API key") : variables) +
              " in " + (deployment.instance_dir(name) / ".env").string() + "\n";
    }
    for (const auto& store : result.logins_to_redo) {
      std::string name = std::next(std::filesystem::path(store).begin())->string();  // instances/NAME/...
      text += "The backup holds no logins (secrets, like .env): " + store + " is not there; log in again with " +
              "nanoforge instance exec " + name + " -- nanobot ...\n";
    }
    console.out(text + "Start with: nanoforge up\n");
  });
}

void add_migrate(CLI::App* instance_app, GlobalOptions& global) {
  struct Options {
    DeploymentOptions deployment;
    MigrateRequest request;
    int port = 0;
    int webui_port = 0;
    bool dry_run = false;
  };
  auto options = std::make_shared<Options>();
  auto* command = instance_app->add_subcommand(
      "migrate", "Make an instance from a single-instance Nanobot home: its data directory, workspace and secrets");
  command->add_option("--from", options->request.from, "The Nanobot home (e.g. ~/.nanobot) or its config file")->required();
  command->add_option("name", options->request.name, "New instance name")->required();
  auto* port = command->add_option("port", options->port, "Host port (default: the next free one)");
  auto* webui = command->add_option("--webui-port", options->webui_port,
                                    "Also publish Nanobot's WebUI (8765 inside) on this host port, with a login secret");
  command->add_flag("--dry-run", options->dry_run,
                    "Print what would be copied, which secrets move to which variable and the warnings; change nothing");
  add_deployment_options(command, options->deployment, false);
  command->callback([options, port, webui, &global] {
    Console console(global.quiet, global.json);
    Deployment deployment(options->deployment.dir);
    MigrateRequest request = options->request;
    if (port->count() > 0) request.port = options->port;
    if (webui->count() > 0) request.webui_port = options->webui_port;
    if (options->dry_run) {
      // Only reads: no lock, so a dry run leaves even a missing deployment directory missing.
      MigratePlan plan = plan_migration(deployment, request);
      nlohmann::json document = migration_json(plan);
      document["dryRun"] = true;
      console.json(document);
      console.out(describe_migration(plan, true));
      return;
    }
    DeploymentLock lock(deployment);
    MigrateResult result = migrate_instance(deployment, request);
    nlohmann::json document = migration_json(result.plan);
    document["dryRun"] = false;
    document["filesCopied"] = result.files_copied;
    console.json(document);
    std::string next;
    if (result.plan.instance.webui_port)
      next += webui_line(deployment, result.plan.instance.name, *result.plan.instance.webui_port,
                         result.plan.webui_secret_variable.empty() ? std::string("channels.websocket's secret")
                                                                   : result.plan.webui_secret_variable);
    next += "Start it with: nanoforge up " + result.plan.instance.name + "\n";
    console.out(describe_migration(result.plan, false, result.files_copied) + next);
    print_warnings(console, result.plan.warnings);
  });
}

void add_list(CLI::App* instance_app, GlobalOptions& global) {
  auto options = std::make_shared<DeploymentOptions>();
  auto* command = instance_app->add_subcommand("list", "List the instances");
  add_deployment_options(command, *options, false);
  command->callback([options, &global] {
    Console console(global.quiet, global.json);
    Deployment deployment(options->dir);
    auto instances = deployment.load_instances();
    nlohmann::json list = nlohmann::json::array();
    std::string text;
    for (const auto& instance : instances) {
      list.push_back(to_json(instance));
      text += instance.name + "\t" + std::to_string(instance.port) + "\t" + instance.model + "\t" + instance.soul + "\n";
    }
    console.json(list);
    console.out(text);
  });
}

void add_check(CLI::App* instance_app, GlobalOptions& global) {
  struct Options {
    DeploymentOptions deployment;
    std::vector<std::string> names;
  };
  auto options = std::make_shared<Options>();
  auto* command = instance_app->add_subcommand(
      "check", "Check instances' config.json as Nanobot loads it (exit 3 when one would not start)");
  command->add_option("names", options->names, "Instances (default: all)");
  add_deployment_options(command, options->deployment, false);
  command->callback([options, &global] {
    Console console(global.quiet, global.json);
    Deployment deployment(options->deployment.dir);
    auto checks = check_instance_configs(deployment, options->names);
    nlohmann::json report = {{"upstream", {{"repository", "HKUDS/nanobot"}, {"commit", nanobot_schema_commit()}}},
                             {"instances", nlohmann::json::array()}};
    std::string text;
    std::vector<std::string> failing;
    for (const auto& checked : checks) {
      nlohmann::json issues = nlohmann::json::array();
      for (const auto& issue : checked.check.issues)
        issues.push_back({{"severity", issue.error ? "error" : "warning"},
                          {"stage", to_string(issue.stage)},
                          {"path", issue.path},
                          {"line", issue.line},
                          {"message", issue.message}});
      report["instances"].push_back({{"name", checked.instance},
                                     {"file", checked.file.string()},
                                     {"ok", checked.check.ok()},
                                     {"starts", checked.check.starts()},
                                     {"stage", to_string(checked.check.stage)},
                                     {"issues", issues},
                                     {"ignored", checked.check.ignored}});
      if (!checked.check.starts()) failing.push_back(checked.instance);
      text += checked.text();
      text += "instance " + checked.instance + ": " +
              (checked.check.ok()       ? std::string("ok")
               : checked.check.starts() ? "starts, but without a working model (" + to_string(checked.check.stage) + ")"
                                        : "would not start (" + to_string(checked.check.stage) + ")") +
              (checked.check.warning_count() ? ", " + std::to_string(checked.check.warning_count()) + " warning(s)" : "") +
              "\n";
    }
    console.json(report);
    console.out(text);
    if (!failing.empty()) {
      throw CheckFailed("Nanobot would not start with the config.json of: " + joined(failing));
    }
  });
}

void add_compose(CLI::App& app, GlobalOptions& global) {
  struct Options {
    DeploymentOptions deployment;
    SettingsChange change;
    bool skip_invalid = false;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("compose", "Write docker-compose.yml from the instances (and their overrides)");
  command->add_flag("--skip-invalid", options->skip_invalid,
                    "Write the file even when an instance's config.json would not load in Nanobot (named as a warning)");
  command->add_option("--image", options->change.image, "Pinned image reference (repo@sha256:... or the build's content tag)");
  command->add_option("--mode", options->change.mode, "mounted (./venv mounted read-only) or self-contained");
  command->add_option("--publish", options->change.publish, "Address ports are published on (default 127.0.0.1)");
  command->add_option("--project", options->change.project, "Compose project name (default: the directory's name)");
  command->add_option("--dir", options->deployment.dir, "Deployment directory (default: the current directory)");
  command->add_option("--engine", options->change.engine,
                      "Write the file for this engine (docker, podman, ...; default: the one `up` last used): "
                      "rootless Podman runs the container in a keep-id user namespace");
  command->callback([options, &global] {
    Console console(global.quiet, global.json);
    Deployment deployment(options->deployment.dir);
    DeploymentLock lock(deployment);
    auto written = write_compose_with(deployment, options->change, options->skip_invalid);
    print_warnings(console, written.warnings);
    Ownership ownership = deployment_ownership(deployment);
    console.json({{"composeFile", deployment.compose_file().string()},
                  {"instances", written.instances},
                  {"image", written.settings.image},
                  {"mode", to_string(written.settings.mode)},
                  {"ownership", to_string(ownership.mode)},
                  {"user", ownership.compose_user()},
                  {"invalid", written.invalid}});
    console.out("Wrote " + deployment.compose_file().string() + " (" + std::to_string(written.instances) +
                " instance(s), image " + written.settings.image + "; containers run as " + ownership.compose_user() +
                ", " + to_string(ownership.mode) + ")\n");
  });
}

// up/start/stop/restart/down share their shape: optional instance names, an engine.
void add_lifecycle(CLI::App& app, GlobalOptions& global, const std::string& verb, const std::string& help) {
  struct Options {
    DeploymentOptions deployment;
    std::vector<std::string> names;
    bool skip_invalid = false;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand(verb, help);
  if (verb != "down") command->add_option("names", options->names, "Instances (default: all)");
  if (verb == "up" || verb == "start" || verb == "restart")
    command->add_flag("--skip-invalid", options->skip_invalid,
                      "Start the instances whose config.json Nanobot would load and name the others "
                      "(default: start nothing when one would not load)");
  add_deployment_options(command, options->deployment, true);
  command->callback([options, verb, &global] {
    Console console(global.quiet, global.json);
    Deployment deployment(options->deployment.dir);
    DeploymentLock lock(deployment);
    auto result = run_lifecycle(deployment, parse_lifecycle_verb(verb), options->names, options->deployment.engine,
                                options->skip_invalid);
    print_warnings(console, result.warnings);
    console.json({{"command", verb}, {"instances", options->names}, {"engine", result.engine}, {"skipped", result.skipped}});
    std::string skipped;
    for (const auto& name : result.skipped) skipped += (skipped.empty() ? "; not started: " : ", ") + name;
    console.out(verb + ": done (" + result.engine + ")" + skipped + "\n");
  });
}

void add_logs(CLI::App& app, GlobalOptions&) {
  struct Options {
    DeploymentOptions deployment;
    std::vector<std::string> names;
    bool follow = false;
    std::string tail;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("logs", "Show instance logs");
  command->add_option("names", options->names, "Instances (default: all)");
  command->add_flag("-f,--follow", options->follow, "Follow the log");
  command->add_option("--tail", options->tail, "Lines from the end");
  add_deployment_options(command, options->deployment, true);
  command->callback([options] {
    Deployment deployment(options->deployment.dir);
    for (const auto& name : options->names) deployment.load_instance(name);
    ComposeProject project(detect_engine(options->deployment.engine), deployment);
    int code = project.logs(options->names, options->follow, options->tail);
    if (code != 0) throw Error("the compose tool's logs command failed (exit " + std::to_string(code) + ")");
  });
}

void add_status(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<DeploymentOptions>();
  auto* command = app.add_subcommand("status", "Instances: state, health (own /health probe), CPU and memory");
  add_deployment_options(command, *options, true);
  command->callback([options, &global] {
    Console console(global.quiet, global.json);
    Deployment deployment(options->dir);
    deployment.load_instances();  // a broken config.json is reported before the engine is asked
    std::string why_not;
    auto project = project_if_available(deployment, options->engine, &why_not);
    auto statuses = collect_status(deployment, project.get());
    nlohmann::json out = {{"engine", project ? project->engine().describe() : ""}, {"instances", status_json(statuses)}};
    if (!project) out["engineUnavailable"] = why_not;
    console.json(out);
    console.out("Nanobot instances in " + deployment.root().string() + "\n" +
                (project ? std::string() : "(no engine: " + why_not + ")\n") + format_status_table(statuses));
  });
}

}  // namespace

void add_instance_commands(CLI::App& app, GlobalOptions& options) {
  auto* instance_app = app.add_subcommand("instance", "Create, delete, back up, restore, migrate and list instances");
  instance_app->require_subcommand(1);
  add_create(instance_app, options);
  add_delete(instance_app, options);
  add_backup(instance_app, options);
  add_restore(instance_app, options);
  add_migrate(instance_app, options);
  add_list(instance_app, options);
  add_check(instance_app, options);
  add_compose(app, options);
  add_lifecycle(app, options, "up", "Create and start instances (writes docker-compose.yml first)");
  add_lifecycle(app, options, "down", "Stop and remove all instances' containers and the network");
  add_lifecycle(app, options, "start", "Start stopped instances");
  add_lifecycle(app, options, "stop", "Stop instances");
  add_lifecycle(app, options, "restart", "Restart instances");
  add_logs(app, options);
  add_status(app, options);
}

}  // namespace nanoforge::builder
