// The Nanobot runtime image's own pieces: its entrypoint script and its config (user,
// HOME, PATH through /opt/venv, exposed gateway port, healthcheck). The files come from
// rootfs/; this says how a container of it starts.
#pragma once
#include <string>
#include <vector>

#include "builder/spec/spec.h"
#include "oci/image.h"
#include "oci/layer_entry.h"

namespace nanoforge::builder {

inline constexpr const char* kEntrypointPath = "usr/local/bin/nanobot-entrypoint";

// The entrypoint: first exports the variables of the secrets file at kSecretsMountPoint
// (secrets_file.h defines the format; a bad line exits 1 naming it, before anything is
// exported), then runs the given command when it names an executable on PATH, otherwise
// starts the app from /opt/venv with the given arguments (or the spec's default ones).
// Only /bin/sh builtins are used, so it works in the `minimal` profile (dash) too.
std::string entrypoint_script(const std::vector<std::string>& app_command);

// The entrypoint as a layer entry (mode 0755, root-owned).
oci::LayerEntry entrypoint_entry(const std::vector<std::string>& app_command);

// The config of the runtime image (and, with the venv layers added, of the full image); its
// kSecretsImageLabel label says the entrypoint reads the secrets file.
oci::ImageConfig runtime_image_config(const Spec& spec);

}  // namespace nanoforge::builder
