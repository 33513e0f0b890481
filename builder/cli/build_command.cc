// `nanoforge build`: the main job.

#include "builder/cli/commands.h"
#include "builder/cli/console.h"
#include "builder/publish/publish_build.h"
#include "builder/spec/spec.h"
#include "oci/layout.h"

namespace nanoforge::builder {

namespace {

struct BuildCommandOptions {
  std::string docker_archive;
  std::string digest_file;
  std::string report;
  RegistryFlags registry;
  BuildOptions build;
  PublishRequest publish;
};

std::string summary(const BuildResult& result) {
  std::vector<std::vector<std::string>> image_rows;
  for (const auto& image : result.images)
    for (const auto& reference : image.references)
      image_rows.push_back({reference.str(), image.image.manifest.digest.str(),
                            human_bytes(image.uncompressed_size()), human_bytes(image.compressed_size()),
                            std::to_string(image.layers.size())});
  std::vector<std::vector<std::string>> step_rows;
  int reused = 0;
  for (const auto& step : result.steps) {
    reused += step.reused;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f s", step.seconds);
    step_rows.push_back({step.name, step.reused ? "reused" : "built", seconds});
    if (!step.reused) step_rows.back().push_back(step.reason);
  }
  std::string text = "\n" + format_table({"IMAGE", "DIGEST", "SIZE", "COMPRESSED", "LAYERS"}, image_rows) + "\n" +
                     format_table({"STEP", "RESULT", "TIME", "WHY"}, step_rows);
  char footer[160];
  std::snprintf(footer, sizeof footer, "\n%d of %zu steps reused; %.2f s in all%s\n", reused, result.steps.size(),
                result.seconds, result.nothing_changed() ? " — nothing changed" : "");
  return text + footer;
}

}  // namespace

void add_build_command(CLI::App& app, GlobalOptions& options) {
  auto command_options = std::make_shared<BuildCommandOptions>();
  auto* command = app.add_subcommand("build", "Build the images the spec defines into the OCI layout");
  command->add_option("--docker-archive", command_options->docker_archive,
                      "Also write the images as a docker-archive tarball for `docker load` / `podman load`");
  command->add_option("--find-links", command_options->build.find_links,
                      "Extra directory or URL of wheels for pip (repeatable)");
  command->add_flag("--no-index", command_options->build.no_index, "pip: use only --find-links, no package index");
  command->add_flag("--update-lock", command_options->build.update_lock,
                    "Resolve the Debian packages anew and rewrite the lock file");
  command->add_flag("--force-venv", command_options->build.force_venv, "Rebuild the venv even when nothing changed");
  command->add_flag("--load", command_options->publish.load, "Load the images into the local Docker (or Podman) when built");
  command->add_option("--push", command_options->publish.push_prefix,
                      "Push every image and tag built under REGISTRY[/PATH], e.g. ghcr.io/team -> "
                      "ghcr.io/team/nanobot:VERSION");
  command->add_option("--digest-file", command_options->digest_file,
                      "With --push: write the pushed digests to this file, one a line");
  command->add_option("--report", command_options->report,
                      "Where to write the build report (JSON; default .nanoforge/build-report.json beside the spec)");
  add_registry_flags(command, command_options->registry);
  command->callback([&options, command_options] {
    Console console(options.quiet, options.json);
    auto spec = load_spec(options.spec_path());
    oci::Layout layout(options.layout_path());
    PublishRequest request = command_options->publish;
    request.docker_archive = command_options->docker_archive;
    request.report = command_options->report;
    request.push = push_settings(options, command_options->registry);
    request.push.digest_file = command_options->digest_file;
    auto published = build_and_publish(spec, layout, options.cache_path(), console, command_options->build, request);
    console.json(published.report);
    console.out(summary(published.build));
  });
}

}  // namespace nanoforge::builder
