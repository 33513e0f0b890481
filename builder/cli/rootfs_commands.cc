// `nanoforge rootfs why PACKAGE`: which requested package pulled a Debian package into the
// runtime, through which dependencies — or why it is not there.
#include <nlohmann/json.hpp>

#include "builder/cli/commands.h"
#include "builder/cli/console.h"
#include "builder/plan/runtime_stage.h"
#include "base/error.h"
#include "rootfs/rootfs_builder.h"

namespace nanoforge::builder {

void add_rootfs_commands(CLI::App& app, GlobalOptions& options) {
  auto* rootfs = app.add_subcommand("rootfs", "Look into the Debian runtime's package set");
  rootfs->require_subcommand(1);
  auto package = std::make_shared<std::string>();
  auto* why = rootfs->add_subcommand("why", "Explain which requested package pulled PACKAGE in");
  why->add_option("package", *package, "Debian package name")->required();
  why->callback([&options, package] {
    Console console(options.quiet, options.json);
    auto spec = load_spec(options.spec_path());
    if (!spec.runtime) throw Error(spec.file.string() + ": the spec has no 'runtime' section");
    auto rootfs_options = builder::rootfs_options(spec, {});
    auto universe = rootfs::load_package_universe(rootfs::repository_for(rootfs_options), options.cache_path(),
                                                  console.progress());
    auto resolution = rootfs::resolve_rootfs_request(universe, rootfs_options);
    // Left out by a rule is an answer, not an error; a name nothing knows is an error.
    if (auto reason = resolution.why_not(*package)) {
      console.json({{"package", *package}, {"installed", false}, {"reason", *reason}});
      console.out(*package + " is not installed: " + *reason + "\n");
      return;
    }
    auto steps = resolution.why(*package);  // throws, naming the package, when it is not in the set
    nlohmann::json chain = nlohmann::json::array();
    for (const auto& step : steps) chain.push_back({{"package", step.package}, {"relation", step.relation}});
    nlohmann::json answer = {{"package", *package}, {"installed", true}, {"chain", chain}};
    if (auto kept = resolution.kept.find(*package); kept != resolution.kept.end())
      answer["rule"] = "installed although on the exclusion list: " + kept->second + " Depends on it";
    console.json(answer);
    console.out(resolution.explain(*package) + "\n");
  });
}

}  // namespace nanoforge::builder
