// The venv stage of the build: the spec's `venv:` section mapped onto venv/, the shared
// ./venv brought up to date (rebuilt only when its inputs changed), and its three layers.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "builder/plan/build.h"
#include "builder/plan/build_context.h"
#include "venv/venv_builder.h"

namespace nanoforge::builder {

struct VenvStage {
  std::filesystem::path directory;
  std::vector<oci::Layer> layers;          // interpreter, dependencies, project
  std::vector<std::string> layer_names;
};

venv::VenvOptions venv_options(const Spec& spec, const BuildOptions& options, const std::filesystem::path& cache_dir);

VenvStage build_venv_stage(BuildContext& context, const BuildOptions& options);

}  // namespace nanoforge::builder
