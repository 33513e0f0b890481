#include "builder/plan/venv_stage.h"

#include "venv/layers.h"
#include "venv/prune.h"

namespace nanoforge::builder {

venv::VenvOptions venv_options(const Spec& spec, const BuildOptions& options, const std::filesystem::path& cache_dir) {
  const VenvSpec& venv = *spec.venv;
  venv::VenvOptions result;
  result.project_dir = venv.project;
  result.output = venv.output;
  result.lock_file = venv.lock_file;
  result.cache_dir = cache_dir;
  result.python.version = venv.python_version;
  result.python.prefix = venv.python;
  result.python.tarball = venv.python_url;
  result.python.tarball_sha256 = venv.python_sha256;
  result.extras = venv.extras;
  result.requirements = venv.requirements;
  result.index_url = venv.index_url;
  result.extra_index_urls = venv.extra_index_urls;
  result.find_links = venv.find_links;
  result.find_links.insert(result.find_links.end(), options.find_links.begin(), options.find_links.end());
  result.no_index = venv.no_index || options.no_index;
  result.build_env = venv.build_env;
  if (!venv.prune.empty()) {
    // The spec's list adds to the default pruning rather than replacing it.
    auto major_minor = venv.python_version.substr(0, venv.python_version.find('.', venv.python_version.find('.') + 1));
    result.prune = venv::default_prune_list(major_minor, false);
    result.prune.insert(result.prune.end(), venv.prune.begin(), venv.prune.end());
  }
  result.strip_debug = venv.strip;
  result.epoch = spec.epoch;
  return result;
}

VenvStage build_venv_stage(BuildContext& context, const BuildOptions& options) {
  VenvStage stage;
  stage.directory = context.spec.venv->output;
  {
    StepTimer timer(context, "venv " + stage.directory.string());
    if (options.venv_as_input) {
      timer.reused();
    } else {
      auto update = venv::update_venv(venv_options(context.spec, options, context.cache_dir), options.force_venv,
                                      context.reporter.progress());
      if (update.rebuilt) context.reporter.info("venv rebuilt: " + update.reason);
      else timer.reused();
    }
  }
  auto groups = venv::venv_layer_entries(stage.directory);
  std::pair<const char*, std::vector<oci::LayerEntry>*> parts[] = {
      {"venv interpreter layer", &groups.interpreter},
      {"venv dependencies layer", &groups.dependencies},
      {"venv project layer", &groups.project}};
  for (auto& [name, entries] : parts) {
    stage.layers.push_back(build_layer(context, name, std::move(*entries)));
    stage.layer_names.push_back(name);
  }
  return stage;
}

}  // namespace nanoforge::builder
