#include "builder/plan/venv_image.h"

namespace nanoforge::builder {

std::string venv_image_name(const Spec& spec) { return spec.name + "-venv"; }

oci::ImageConfig venv_image_config(const Spec& spec) {
  oci::ImageConfig config;
  config.env = {"PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  config.labels = {{"org.opencontainers.image.title", venv_image_name(spec)},
                   {"org.opencontainers.image.version", spec.version},
                   {"org.opencontainers.image.description",
                    "The shared Python venv (interpreter included) at /opt/venv, to mount read-only into " +
                        spec.name + " containers"}};
  config.created_epoch = spec.epoch;
  return config;
}

}  // namespace nanoforge::builder
