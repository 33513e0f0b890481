#include "builder/plan/venv_stage.h"

#include "deploy/deployment.h"
#include "venv/layers.h"
#include "venv/prune.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

std::vector<fs::path> not_project_paths(const std::vector<fs::path>& deployment_roots, const fs::path& spec_file,
                                        const fs::path& layout, const fs::path& cache_dir) {
  std::vector<fs::path> paths;
  for (const auto& root : deployment_roots) {
    auto state = deploy::Deployment(root).state_paths();
    paths.insert(paths.end(), state.begin(), state.end());
  }
  if (!spec_file.empty()) paths.push_back(fs::absolute(spec_file));
  if (!layout.empty()) {
    auto directory = fs::absolute(layout).lexically_normal();
    paths.push_back(directory);
    // .nanoforge/oci: the build report and whatever else nanoforge keeps beside it.
    if (directory.parent_path().filename() == ".nanoforge") paths.push_back(directory.parent_path());
  }
  if (!cache_dir.empty()) paths.push_back(fs::absolute(cache_dir));
  return paths;
}

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
  result.webui = venv.webui;
  if (!venv.prune.empty()) {
    // The spec's list adds to the default pruning rather than replacing it.
    auto major_minor = venv.python_version.substr(0, venv.python_version.find('.', venv.python_version.find('.') + 1));
    result.prune = venv::default_prune_list(major_minor, false);
    result.prune.insert(result.prune.end(), venv.prune.begin(), venv.prune.end());
  }
  result.strip_debug = venv.strip;
  result.epoch = spec.epoch;
  result.not_project = not_project_paths({spec.directory, fs::absolute(venv.output).parent_path()}, spec.file,
                                         spec.directory / ".nanoforge" / "oci", cache_dir);
  if (spec.runtime) result.not_project.push_back(spec.runtime->lock_file);
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
      auto venv = venv_options(context.spec, options, context.cache_dir);
      auto layout = not_project_paths({}, {}, context.layout.directory(), {});
      venv.not_project.insert(venv.not_project.end(), layout.begin(), layout.end());
      auto update = venv::update_venv(venv, options.force_venv, context.reporter.progress());
      if (update.rebuilt) {
        context.reporter.info("venv rebuilt: " + update.reason);
        timer.ran_because(update.reason);
      } else {
        timer.reused();
      }
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
