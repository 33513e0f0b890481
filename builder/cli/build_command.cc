// `nanoforge build`: the main job.
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "builder/plan/build.h"
#include "builder/cli/commands.h"
#include "builder/cli/console.h"
#include "builder/publish/image_loader.h"
#include "builder/publish/registry_push.h"
#include "builder/spec/spec.h"
#include "base/atomic_file.h"
#include "oci/docker_archive.h"
#include "base/error.h"
#include "oci/layout.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

namespace {

struct BuildCommandOptions {
  std::string docker_archive;
  bool load = false;
  std::string push_prefix;
  std::string digest_file;
  std::string report;
  RegistryFlags registry;
  BuildOptions build;
};

std::vector<ImageReference> references_of(const BuildResult& result) {
  std::vector<ImageReference> references;
  for (const auto& image : result.images)
    for (const auto& reference : image.references) references.push_back(reference);
  return references;
}

// `--push ghcr.io/team` sends nanobot:0.1.0 to ghcr.io/team/nanobot:0.1.0, and so on for
// every image and tag the build made (ko's KO_DOCKER_REPO): one flag publishes the set.
PushList pushes_under(const std::string& prefix, const std::vector<ImageReference>& references) {
  std::string base = prefix;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.empty()) throw Error("--push needs a registry and optional path, e.g. ghcr.io/team or 127.0.0.1:5000");
  if (base.find('@') != std::string::npos || base.rfind(':') > base.find('/'))
    throw Error("--push " + prefix + ": give a registry and path without a tag or digest (e.g. ghcr.io/team); "
                "each image keeps its own name and tags under it");
  PushList pushes;
  for (const auto& reference : references)
    pushes.emplace_back(reference, RemoteReference::parse(base + "/" + reference.str()));
  return pushes;
}

nlohmann::json result_json(const BuildResult& result) {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& image : result.images) {
    nlohmann::json references = nlohmann::json::array();
    for (const auto& reference : image.references) references.push_back(reference.str());
    nlohmann::json layers = nlohmann::json::array();
    for (std::size_t i = 0; i < image.layers.size(); ++i)
      layers.push_back({{"name", image.layer_names[i]},
                        {"digest", image.layers[i].descriptor.digest.str()},
                        {"diffId", image.layers[i].diff_id.str()},
                        {"size", image.layers[i].descriptor.size},
                        {"uncompressedSize", image.layers[i].uncompressed_size}});
    images.push_back({{"references", references},
                      {"digest", image.image.manifest.digest.str()},
                      {"size", image.compressed_size()},
                      {"uncompressedSize", image.uncompressed_size()},
                      {"layers", layers}});
  }
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : result.steps) {
    nlohmann::json item = {{"name", step.name}, {"reused", step.reused}, {"seconds", step.seconds}};
    if (!step.reused) item["reason"] = step.reason;
    steps.push_back(std::move(item));
  }
  return {{"images", images}, {"steps", steps}, {"seconds", result.seconds},
          {"nothingChanged", result.nothing_changed()}};
}

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
  command->add_flag("--load", command_options->load, "Load the images into the local Docker (or Podman) when built");
  command->add_option("--push", command_options->push_prefix,
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
    // Before anything is built: a bad --push is an error now, not after minutes of work.
    if (!command_options->push_prefix.empty()) pushes_under(command_options->push_prefix, {});
    else if (!command_options->digest_file.empty())
      throw Error("--digest-file is for --push (the built digests are in the summary and in --json)");
    std::optional<LocalEngine> engine;
    if (command_options->load) {
      std::string reason;
      engine = find_local_engine(reason);
      if (!engine) throw Error("--load: no container engine can load images here (" + reason + ")");
    }
    auto result = run_build(spec, layout, options.cache_path(), console, command_options->build);
    auto references = references_of(result);
    if (!command_options->docker_archive.empty()) {
      oci::export_docker_archive(layout, references, command_options->docker_archive, console.progress());
      console.info("wrote " + command_options->docker_archive);
    }
    if (engine) {
      load_images(*engine, layout, references, options.cache_path() / "load", console.progress());
      console.info("loaded " + std::to_string(references.size()) + " tags into " + engine->program);
    }
    auto json = result_json(result);
    if (!command_options->push_prefix.empty()) {
      auto settings = push_settings(options, command_options->registry);
      settings.digest_file = command_options->digest_file;
      json["pushed"] = push_and_report(console, layout, pushes_under(command_options->push_prefix, references), settings);
    }
    // The record of this build for pipelines and for later comparison: what the summary
    // shows, as JSON, beside the layout by default.
    fs::path report = command_options->report.empty() ? spec.directory / ".nanoforge" / "build-report.json"
                                                      : fs::path(command_options->report);
    if (report.has_parent_path()) fs::create_directories(report.parent_path());
    write_file_atomically(report, json.dump(2) + "\n");
    console.json(json);
    console.out(summary(result));
  });
}

}  // namespace nanoforge::builder
