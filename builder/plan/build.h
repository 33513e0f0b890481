// The main job: from a spec to tagged images in an OCI layout (and, as the spec asks, the
// Python-free runtime, the shared venv and the self-contained image).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "builder/plan/build_context.h"
#include "oci/image.h"

namespace nanoforge::builder {

struct BuiltImage {
  std::vector<ImageReference> references;  // every tag it got
  oci::Image image;
  std::vector<oci::Layer> layers;
  std::vector<std::string> layer_names;
  std::uint64_t uncompressed_size() const;
  std::uint64_t compressed_size() const;
};

struct BuildResult {
  std::vector<BuiltImage> images;
  std::vector<StepRecord> steps;
  double seconds = 0;
  bool nothing_changed() const;  // every step was a cache hit
};

struct BuildOptions {
  std::filesystem::path step_cache_dir;  // empty: CACHE/steps; verify --rebuild uses a fresh one
  bool venv_as_input = false;            // use ./venv as it is (verify --rebuild must not replace it)
  bool force_venv = false;               // rebuild the venv even when nothing changed
  std::vector<std::string> find_links;   // added to the spec's pip find_links
  bool no_index = false;                 // pip --no-index, whatever the spec says
  bool update_lock = false;              // re-resolve the Debian packages and rewrite the lock
};

// Builds everything the spec defines into `layout`, tagging each image only after all of
// its blobs exist (index.json is replaced once, last).
BuildResult run_build(const Spec& spec, oci::Layout& layout, const std::filesystem::path& cache_dir, Reporter& reporter,
                      const BuildOptions& options = {});

}  // namespace nanoforge::builder
