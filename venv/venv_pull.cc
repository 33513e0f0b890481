#include "venv/venv_pull.h"

#include "base/error.h"
#include "oci/layer_reader.h"
#include "base/removed_on_exit.h"
#include "venv/venv_builder.h"
#include "venv/version_file.h"

namespace nanoforge::venv {

namespace fs = std::filesystem;

namespace {

ImageReference local_name(const RemoteReference& remote) {
  auto slash = remote.repository.rfind('/');
  std::string name = slash == std::string::npos ? remote.repository : remote.repository.substr(slash + 1);
  std::string tag = remote.tag.empty() ? "sha256-" + remote.digest->hex.substr(0, 12) : remote.tag;
  return {name, tag};
}

}  // namespace

VenvPullResult pull_venv(oci::Layout& layout, const RemoteReference& remote, const fs::path& output,
                         const oci::PullOptions& options, const ProgressCallback& progress) {
  VenvPullResult result;
  result.local = local_name(remote);
  result.pull = oci::pull_image(layout, remote, result.local, options, progress);
  auto image = layout.load(result.local);

  result.venv = fs::absolute(output).lexically_normal();
  if (!result.venv.has_filename()) result.venv = result.venv.parent_path();
  // Beside the target, so the swap is a rename on one file system.
  // Removed however the pull ends; the venv inside it has been renamed away on success.
  RemovedOnExit scratch(result.venv.parent_path() / ("." + result.venv.filename().string() + ".pulling"));
  fs::remove_all(scratch.path());
  fs::create_directories(scratch.path());
  for (const auto& layer : image.layers) oci::extract_layer(layout.blobs().path_of(layer.digest), scratch.path());
  fs::path tree = scratch.path() / "opt" / "venv";
  if (!fs::exists(tree / "VERSION.txt") || !fs::exists(tree / "bin"))
    throw Error(remote.str() + " holds no nanoforge venv: no /opt/venv/VERSION.txt in its layers (push the " +
                "NAME-venv image a build makes)");
  result.python_version = venv::read_version_file(tree / "VERSION.txt").python_version;
  venv::install_venv(tree, result.venv);
  return result;
}

}  // namespace nanoforge::venv
