// What `nanoforge verify` checks when told nothing (everything the spec builds) or given an
// image: a VerifyTarget made from the spec or from the image's own layers.
#pragma once
#include <filesystem>
#include <map>
#include <string>

#include "builder/spec/spec.h"
#include "builder/verify/verify.h"
#include "oci/layout.h"

namespace nanoforge::builder {

// Every image and the venv the spec's build produces, with the spec's budgets, module,
// Python version and the build machine's paths (the project, the venv output, the
// interpreter's prefix read from the venv's VERSION.txt when it exists) that must not leak
// into the venv. Throws nanoforge::Error when VERSION.txt exists but cannot be read.
VerifyTarget target_from_spec(const Spec& spec);

// True when one of the image's layers holds opt/venv/bin/python (a self-contained image,
// checked as a full image), false for a runtime image. Throws nanoforge::Error when the
// reference is not in `layout` or a layer cannot be read.
bool image_holds_venv(const oci::Layout& layout, const ImageReference& reference);

// Builds `spec` again into a fresh layout and step cache in a temporary directory (removed
// afterwards), reusing only the download cache `cache_dir`, and returns each tag's manifest
// digest ("name:tag" -> "sha256:..."): the other side of verify's reproducibility check.
// Throws what the build throws.
std::map<std::string, std::string> rebuild_digests(const Spec& spec, const std::filesystem::path& cache_dir);

}  // namespace nanoforge::builder
