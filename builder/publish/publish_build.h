// `nanoforge build` end to end: the build, then whatever the user asked to do with its images
// (a docker-archive, a load into the local engine, a push under a registry prefix), and the
// build report for pipelines.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/reporter.h"
#include "builder/plan/build.h"
#include "builder/publish/image_loader.h"
#include "builder/publish/registry_push.h"
#include "builder/spec/spec.h"
#include "oci/layout.h"

namespace nanoforge::builder {

struct PublishRequest {
  std::filesystem::path docker_archive;   // empty: none written
  bool load = false;                      // into Docker, else Podman (find_local_engine)
  std::string push_prefix;                // "REGISTRY[/PATH]"; empty: no push
  PushSettings push;                      // with push_prefix
  std::filesystem::path report;           // empty: SPEC_DIR/.nanoforge/build-report.json
};

struct PublishedBuild {
  BuildResult build;
  nlohmann::json report;  // build_report(build), plus "pushed" (push_and_report's objects) after a push
};

// `--push ghcr.io/team` sends nanobot:0.1.0 to ghcr.io/team/nanobot:0.1.0, and so on for
// every reference given (ko's KO_DOCKER_REPO): one flag publishes the set. Throws
// nanoforge::Error when `prefix` is empty or carries a tag or digest.
PushList pushes_under(const std::string& prefix, const std::vector<ImageReference>& references);

// The build as JSON: images (references, digest, sizes in bytes, layers with digest, diffID
// and sizes), steps (name, reused, seconds, and the reason a step ran), total seconds and
// nothingChanged. What `build --json` prints and the report file holds.
nlohmann::json build_report(const BuildResult& result);

// Checks the request first (a bad push prefix, --digest-file without --push, --load with no
// engine are errors before minutes of work), runs the build, then exports, loads and pushes
// as asked, and writes the report file atomically. Throws nanoforge::Error (and
// oci::RegistryError from a push); images built before a later step failed stay in `layout`.
PublishedBuild build_and_publish(const Spec& spec, oci::Layout& layout, const std::filesystem::path& cache_dir,
                                 Reporter& reporter, const BuildOptions& build, const PublishRequest& request);

}  // namespace nanoforge::builder
