// Putting images of the layout into the local container engine (`build --load`, `verify
// --run`): a docker-archive written to a scratch file, then `docker load` or `podman load`.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "oci/layout.h"
#include "base/progress.h"

namespace nanoforge::builder {

struct LocalEngine {
  std::string program;       // "docker" or "podman"
  std::string image_prefix;  // podman names loaded images localhost/NAME
  // How a loaded image is called in the engine: "nanobot:1" or "localhost/nanobot:1".
  std::string image_name(const ImageReference& reference) const { return image_prefix + reference.str(); }
};

// Docker when a daemon answers, else Podman when it works; nullopt and `reason` (what was
// tried and why it failed) when neither can run containers here.
std::optional<LocalEngine> find_local_engine(std::string& reason);

// Loads `images` into `engine` through a docker-archive written in `scratch` (removed
// afterwards). Throws nanoforge::Error with the engine's own message when the load fails.
void load_images(const LocalEngine& engine, const oci::Layout& layout, const std::vector<ImageReference>& images,
                 const std::filesystem::path& scratch, const ProgressCallback& progress = {});

}  // namespace nanoforge::builder
