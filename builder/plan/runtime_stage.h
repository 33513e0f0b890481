// The runtime stage of the build: the spec's `runtime:` section mapped onto rootfs/, the
// Debian root file system assembled (or reused from the step cache), and its one layer
// with the entrypoint added.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "builder/plan/build.h"
#include "builder/plan/build_context.h"
#include "rootfs/rootfs_builder.h"

namespace nanoforge::builder {

struct RuntimeStage {
  std::vector<oci::Layer> layers;
  std::vector<std::string> layer_names;
  std::size_t package_count = 0;
};

// The spec's `runtime:` section as rootfs/ options (mirrors default to the apt sources).
rootfs::RootfsOptions rootfs_options(const Spec& spec, const BuildOptions& options);

RuntimeStage build_runtime_stage(BuildContext& context, const BuildOptions& options);

}  // namespace nanoforge::builder
