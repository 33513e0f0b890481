// nanoforge: builds, verifies, publishes and runs Nanobot deployments without a Docker daemon.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "builder/cli/commands.h"
#include "builder/cli/global_options.h"
#include "builder/verify/verify.h"
#include "base/error.h"

int main(int argc, char** argv) {
  using namespace nanoforge::builder;
  CLI::App app{"nanoforge " NANOFORGE_VERSION
               ": build a Python-free Debian runtime image and a shared Python venv,\n"
               "verify them, push them, and run many Nanobot instances side by side."};
  app.set_version_flag("--version", std::string("nanoforge ") + NANOFORGE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions options;
  app.add_option("-f,--file", options.spec_file, "Spec file (default: ./nanoforge.yaml)");
  app.add_option("--layout", options.layout_dir, "OCI layout directory (default: .nanoforge/oci beside the spec)");
  app.add_option("--cache-dir", options.cache_dir, "Download and step cache (default: $XDG_CACHE_HOME/nanoforge)");
  app.add_flag("-q,--quiet", options.quiet, "Print errors only");
  app.add_flag("--json", options.json, "Machine-readable output on stdout");

  add_build_command(app, options);
  add_image_commands(app, options);
  add_verify_command(app, options);
  add_rootfs_commands(app, options);
  add_registry_commands(app, options);
  add_instance_commands(app, options);
  add_instance_exec_command(app, options);
  add_venv_commands(app, options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    // `instance exec alice nanobot agent -m hi`: the command's options look like nanoforge's.
    if (CLI::App* exec = app.get_subcommand("instance")->get_subcommand("exec"); exec->parsed() && code != 0)
      std::cerr << "The command's own options must come after --: nanoforge instance exec NAME -- COMMAND [ARGS...]\n";
    return code == 0 ? exit_code::kOk : exit_code::kUsage;
  } catch (const nanoforge::CheckFailed& error) {
    std::cerr << "nanoforge: " << error.what() << "\n";
    return exit_code::kCheckFailed;
  } catch (const nanoforge::Error& error) {
    std::cerr << "nanoforge: error: " << error.what() << "\n";
    return exit_code::kError;
  } catch (const std::exception& error) {
    std::cerr << "nanoforge: error: " << error.what() << "\n";
    return exit_code::kError;
  }
  return exit_code::kOk;
}
