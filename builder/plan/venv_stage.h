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

// The spec's venv as venv/ options; `not_project` already holds not_project_paths() for the
// spec's directory, the venv's and the default layout.
venv::VenvOptions venv_options(const Spec& spec, const BuildOptions& options, const std::filesystem::path& cache_dir);

// nanoforge's own files that a project directory may hold when it is also the deployment
// (`project: .`): the deployment's state (Deployment::state_paths()) for each root given,
// the spec file, the layout (with .nanoforge/ and the build report around it), the cache. The
// venv's key and build copy leave them out (venv/project_files.h).
std::vector<std::filesystem::path> not_project_paths(const std::vector<std::filesystem::path>& deployment_roots,
                                                     const std::filesystem::path& spec_file,
                                                     const std::filesystem::path& layout,
                                                     const std::filesystem::path& cache_dir);

VenvStage build_venv_stage(BuildContext& context, const BuildOptions& options);

}  // namespace nanoforge::builder
