#include "builder/plan/build.h"

#include "base/container_contract.h"

#include <chrono>

#include "builder/plan/runtime_stage.h"
#include "builder/plan/runtime_image.h"
#include "builder/plan/venv_image.h"
#include "builder/plan/venv_stage.h"
#include "base/error.h"
#include "oci/tarball_entries.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

std::uint64_t BuiltImage::uncompressed_size() const {
  std::uint64_t total = 0;
  for (const auto& layer : layers) total += layer.uncompressed_size;
  return total;
}

std::uint64_t BuiltImage::compressed_size() const {
  std::uint64_t total = 0;
  for (const auto& layer : layers) total += layer.descriptor.size;
  return total;
}

bool BuildResult::nothing_changed() const {
  for (const auto& step : steps)
    if (!step.reused) return false;
  return !steps.empty();
}

namespace {

std::vector<oci::LayerEntry> entries_of(const LayerSpec& layer) {
  std::vector<oci::LayerEntry> entries;
  if (fs::is_directory(layer.source)) {
    entries = oci::scan_directory(layer.source, layer.destination, layer.owners);
  } else {
    entries = oci::read_tarball_entries(layer.source, layer.destination);
    oci::apply_owner_rules(entries, layer.owners);
  }
  return entries;
}

BuiltImage assemble_image(BuildContext& context, const ImageSpec& image_spec) {
  BuiltImage built;
  oci::ImageConfig config = image_spec.config;
  config.created_epoch = context.spec.epoch;
  for (std::size_t i = 0; i < image_spec.layers.size(); ++i) {
    const auto& layer_spec = image_spec.layers[i];
    auto name = image_spec.name + " layer " + std::to_string(i + 1) + " (" +
                layer_spec.source.lexically_relative(context.spec.directory).string() + ")";
    built.layers.push_back(build_layer(context, name, entries_of(layer_spec)));
    built.layer_names.push_back(name);
    // Relative to the spec, so the image does not depend on where the project sits.
    config.history.push_back({"nanoforge: layer from " + layer_spec.source.lexically_relative(context.spec.directory).string() +
                                  " at /" + layer_spec.destination, "", false});
  }
  built.image = oci::store_image(context.layout.blobs(), config, built.layers);
  for (const auto& tag : image_spec.tags) built.references.push_back({image_spec.name, tag});
  return built;
}

BuiltImage image_of(BuildContext& context, const std::vector<oci::Layer>& layers,
                    const std::vector<std::string>& layer_names, oci::ImageConfig config,
                    const std::vector<ImageReference>& references) {
  BuiltImage built;
  built.layers = layers;
  built.layer_names = layer_names;
  for (const auto& name : layer_names) config.history.push_back({"nanoforge: " + name, "", false});
  built.image = oci::store_image(context.layout.blobs(), config, layers);
  built.references = references;
  return built;
}

// NAME:VERSION and NAME:latest, once when the version is "latest".
std::vector<ImageReference> version_tags(const std::string& name, const std::string& version) {
  if (version == "latest") return {{name, version}};
  return {{name, version}, {name, "latest"}};
}

}  // namespace

BuildResult run_build(const Spec& spec, oci::Layout& layout, const fs::path& cache_dir, Reporter& reporter,
                      const BuildOptions& options) {
  auto started = std::chrono::steady_clock::now();
  // Blobs written before their tag exists must survive a concurrent `nanoforge gc`.
  auto keep_blobs = layout.lock_against_gc();
  StepCache cache(options.step_cache_dir.empty() ? cache_dir / "steps" : options.step_cache_dir);
  oci::LayerOptions layer_options;
  layer_options.compression = spec.compression;
  layer_options.level = spec.level;
  layer_options.epoch = spec.epoch;
  // Layer keys hash file contents; this keeps each file's digest by its stat identity.
  StatCache stat_cache(cache_dir / "stat" / (sha256_of(spec.file.string()).hex + ".txt"));
  BuildContext context{spec, layout, cache, reporter, layer_options, cache_dir, stat_cache, {}};

  BuildResult result;
  std::optional<RuntimeStage> runtime;
  if (spec.runtime) runtime = build_runtime_stage(context, options);
  std::optional<VenvStage> venv;
  if (spec.venv) venv = build_venv_stage(context, options);
  if (runtime) {
    auto config = runtime_image_config(spec);
    result.images.push_back(image_of(context, runtime->layers, runtime->layer_names, config,
                                     version_tags(spec.name, spec.version)));
    if (venv) {
      // The self-contained image: the same runtime layers with the venv's three on top.
      auto layers = runtime->layers;
      auto names = runtime->layer_names;
      layers.insert(layers.end(), venv->layers.begin(), venv->layers.end());
      names.insert(names.end(), venv->layer_names.begin(), venv->layer_names.end());
      config.labels["org.opencontainers.image.description"] = "Nanobot runtime with its venv at /opt/venv";
      result.images.push_back(image_of(context, layers, names, config,
                                       version_tags(contract::full_image_name(spec.name), spec.version)));
    }
  }
  if (venv)
    result.images.push_back(image_of(context, venv->layers, venv->layer_names, venv_image_config(spec),
                                     version_tags(venv_image_name(spec), spec.version)));
  for (const auto& image_spec : spec.images) result.images.push_back(assemble_image(context, image_spec));

  // Tag last, in one atomic index.json update, once every blob is in place.
  std::vector<std::pair<ImageReference, oci::Descriptor>> tags;
  for (const auto& image : result.images)
    for (const auto& reference : image.references) tags.emplace_back(reference, image.image.manifest);
  layout.tag_all(tags);
  stat_cache.save();

  result.steps = std::move(context.steps);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace nanoforge::builder
