// The venv as an image of its own (NAME-venv:VERSION): the venv's three layers at
// /opt/venv and nothing else, so a registry can carry the guide's shared read-only venv and
// a host pulls it apart from the runtime (`nanoforge venv pull`).
#pragma once
#include "builder/spec/spec.h"
#include "oci/image.h"

namespace nanoforge::builder {

// "nanobot" -> "nanobot-venv".
std::string venv_image_name(const Spec& spec);

// No entrypoint: the image has no libc to run anything with; it is mounted or unpacked.
oci::ImageConfig venv_image_config(const Spec& spec);

}  // namespace nanoforge::builder
