#include "builder/verify/verify_target.h"

#include <unistd.h>

#include "base/container_contract.h"
#include "base/reporter.h"
#include "builder/plan/build.h"
#include "oci/layer_reader.h"
#include "venv/version_file.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

VerifyTarget target_from_spec(const Spec& spec) {
  VerifyTarget target;
  target.budgets = spec.budgets;
  if (spec.runtime) {
    target.runtime_image = ImageReference{spec.name, spec.version};
    target.port = spec.runtime->port;
    if (spec.venv) target.full_image = ImageReference{contract::full_image_name(spec.name), spec.version};
  }
  if (spec.venv) {
    target.venv_dir = spec.venv->output;
    target.module = spec.venv->module;
    target.python_version = spec.venv->python_version;
    target.webui = spec.venv->webui;
    target.build_paths = {spec.venv->project.string(), fs::absolute(spec.venv->output).string()};
    if (!spec.venv->python.empty()) target.build_paths.push_back(spec.venv->python);
    // The interpreter the venv was made from ("found /root/.pyenv/versions/3.12.1").
    auto version_file = spec.venv->output / "VERSION.txt";
    if (fs::exists(version_file)) {
      auto source = venv::read_version_file(version_file).interpreter_source;
      auto slash = source.find('/');
      if (slash != std::string::npos) target.interpreter_prefix = source.substr(slash, source.find(' ', slash) - slash);
    }
  }
  return target;
}

bool image_holds_venv(const oci::Layout& layout, const ImageReference& reference) {
  auto image = layout.load(reference);
  bool found = false;
  for (const auto& layer : image.layers) {
    oci::for_each_layer_member(layout.blobs().path_of(layer.digest), [&](const oci::LayerMember& member) {
      found = found || member.path == "opt/venv/bin/python";
    });
    if (found) break;
  }
  return found;
}

std::map<std::string, std::string> rebuild_digests(const Spec& spec, const fs::path& cache_dir) {
  auto scratch = fs::temp_directory_path() / ("nanoforge-rebuild-" + std::to_string(::getpid()));
  fs::remove_all(scratch);
  oci::Layout fresh(scratch / "oci");
  SilentReporter quiet;
  BuildOptions build_options;
  build_options.step_cache_dir = scratch / "steps";
  build_options.venv_as_input = true;
  auto result = run_build(spec, fresh, cache_dir, quiet, build_options);
  std::map<std::string, std::string> digests;
  for (const auto& image : result.images)
    for (const auto& reference : image.references) digests[reference.str()] = image.image.manifest.digest.str();
  fs::remove_all(scratch);
  return digests;
}

}  // namespace nanoforge::builder
