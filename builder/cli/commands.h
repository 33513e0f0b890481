// Each family of commands registers itself on the CLI11 app; one file per family.
#pragma once
#include <CLI/CLI.hpp>

#include "builder/cli/global_options.h"
#include "builder/publish/registry_push.h"

namespace nanoforge::builder {

void add_build_command(CLI::App& app, GlobalOptions& options);      // build_command.cc
void add_image_commands(CLI::App& app, GlobalOptions& options);     // image_commands.cc: inspect, export, gc
void add_verify_command(CLI::App& app, GlobalOptions& options);     // verify_command.cc
void add_rootfs_commands(CLI::App& app, GlobalOptions& options);    // rootfs_commands.cc: rootfs why
void add_registry_commands(CLI::App& app, GlobalOptions& options);  // registry_commands.cc: push, pull, login
void add_instance_commands(CLI::App& app, GlobalOptions& options);  // instance_commands.cc: instance, compose, up, down, status...
// instance_exec_command.cc: instance exec (after add_instance_commands, which makes `instance`)
void add_instance_exec_command(CLI::App& app, GlobalOptions& options);
void add_venv_commands(CLI::App& app, GlobalOptions& options);      // venv_commands.cc: venv build, update, rollback, pull, closure

// --insecure-registry, --ca-file, --jobs, --retries on a command that talks to a registry
// (registry_commands.cc); `flags` must outlive the parse.
void add_registry_flags(CLI::App* command, RegistryFlags& flags);
// What a push from the CLI uses: the flags, and CACHE/registry for resumable upload state.
PushSettings push_settings(const GlobalOptions& options, const RegistryFlags& flags);

}  // namespace nanoforge::builder
