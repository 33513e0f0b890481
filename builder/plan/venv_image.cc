#include "builder/plan/venv_image.h"

#include "base/container_contract.h"

namespace nanoforge::builder {

std::string venv_image_name(const Spec& spec) { return contract::venv_image_name(spec.name); }

oci::ImageConfig venv_image_config(const Spec& spec) {
  oci::ImageConfig config;
  config.env = {std::string("PATH=") + contract::kImagePath};
  config.labels = {{"org.opencontainers.image.title", venv_image_name(spec)},
                   {"org.opencontainers.image.version", spec.version},
                   {"org.opencontainers.image.description",
                    "The shared Python venv (interpreter included) at /opt/venv, to mount read-only into " +
                        spec.name + " containers"}};
  config.created_epoch = spec.epoch;
  return config;
}

}  // namespace nanoforge::builder
