// `instance exec NAME -- COMMAND...`: a one-off command in an instance's context
// (deploy/instance_exec.h), attached to the terminal; nanoforge exits with the command's code.
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "builder/cli/commands.h"
#include "deploy/deployment.h"
#include "deploy/engine.h"
#include "deploy/instance_exec.h"

namespace nanoforge::builder {

void add_instance_exec_command(CLI::App& app, GlobalOptions&) {
  struct Options {
    std::string dir = ".";
    std::string engine;
    std::string name;
    std::vector<std::string> command;
  };
  auto options = std::make_shared<Options>();
  CLI::App* instance_app = app.get_subcommand("instance");
  auto* command = instance_app->add_subcommand(
      "exec", "Run a command in an instance's context (config, data, secrets), running or not: "
              "instance exec alice -- nanobot agent -m hello");
  command->add_option("name", options->name, "Instance")->required();
  command->add_option("command", options->command, "The command and its arguments, after --")->required();
  command->add_option("--dir", options->dir, "Deployment directory (default: the current directory)");
  command->add_option("--engine", options->engine,
                      "auto, docker, docker-compose, docker-compose-v2 or podman (default: $NANOFORGE_ENGINE or auto)");
  command->callback([options] {
    deploy::Deployment deployment(options->dir);
    // A terminal for the command only when ours is one (a login that shows a QR code, a chat).
    bool tty = ::isatty(0) && ::isatty(1);
    int code = deploy::exec_in_instance(deployment, deploy::detect_engine(options->engine), options->name,
                                        options->command, tty);
    // The command's own exit code is ours, as with `docker exec`; nothing here needs unwinding.
    if (code != 0) std::exit(code);
  });
}

}  // namespace nanoforge::builder
