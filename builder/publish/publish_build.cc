#include "builder/publish/publish_build.h"

#include "base/atomic_file.h"
#include "base/error.h"
#include "oci/docker_archive.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

namespace {

std::vector<ImageReference> references_of(const BuildResult& result) {
  std::vector<ImageReference> references;
  for (const auto& image : result.images)
    for (const auto& reference : image.references) references.push_back(reference);
  return references;
}

}  // namespace

PushList pushes_under(const std::string& prefix, const std::vector<ImageReference>& references) {
  std::string base = prefix;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.empty()) throw Error("--push needs a registry and optional path, e.g. ghcr.io/team or 127.0.0.1:5000");
  if (base.find('@') != std::string::npos || base.rfind(':') > base.find('/'))
    throw Error("--push " + prefix + ": give a registry and path without a tag or digest (e.g. ghcr.io/team); "
                "each image keeps its own name and tags under it");
  PushList pushes;
  for (const auto& reference : references)
    pushes.emplace_back(reference, RemoteReference::parse(base + "/" + reference.str()));
  return pushes;
}

nlohmann::json build_report(const BuildResult& result) {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& image : result.images) {
    nlohmann::json references = nlohmann::json::array();
    for (const auto& reference : image.references) references.push_back(reference.str());
    nlohmann::json layers = nlohmann::json::array();
    for (std::size_t i = 0; i < image.layers.size(); ++i)
      layers.push_back({{"name", image.layer_names[i]},
                        {"digest", image.layers[i].descriptor.digest.str()},
                        {"diffId", image.layers[i].diff_id.str()},
                        {"size", image.layers[i].descriptor.size},
                        {"uncompressedSize", image.layers[i].uncompressed_size}});
    images.push_back({{"references", references},
                      {"digest", image.image.manifest.digest.str()},
                      {"size", image.compressed_size()},
                      {"uncompressedSize", image.uncompressed_size()},
                      {"layers", layers}});
  }
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : result.steps) {
    nlohmann::json item = {{"name", step.name}, {"reused", step.reused}, {"seconds", step.seconds}};
    if (!step.reused) item["reason"] = step.reason;
    steps.push_back(std::move(item));
  }
  return {{"images", images}, {"steps", steps}, {"seconds", result.seconds},
          {"nothingChanged", result.nothing_changed()}};
}

PublishedBuild build_and_publish(const Spec& spec, oci::Layout& layout, const fs::path& cache_dir, Reporter& reporter,
                                 const BuildOptions& build, const PublishRequest& request) {
  // Before anything is built: a bad --push is an error now, not after minutes of work.
  if (!request.push_prefix.empty()) pushes_under(request.push_prefix, {});
  else if (!request.push.digest_file.empty())
    throw Error("--digest-file is for --push (the built digests are in the summary and in --json)");
  std::optional<LocalEngine> engine;
  if (request.load) {
    std::string reason;
    engine = find_local_engine(reason);
    if (!engine) throw Error("--load: no container engine can load images here (" + reason + ")");
  }
  PublishedBuild published{run_build(spec, layout, cache_dir, reporter, build), {}};
  auto references = references_of(published.build);
  if (!request.docker_archive.empty()) {
    oci::export_docker_archive(layout, references, request.docker_archive, reporter.progress());
    reporter.info("wrote " + request.docker_archive.string());
  }
  if (engine) {
    load_images(*engine, layout, references, cache_dir / "load", reporter.progress());
    reporter.info("loaded " + std::to_string(references.size()) + " tags into " + engine->program);
  }
  published.report = build_report(published.build);
  if (!request.push_prefix.empty())
    published.report["pushed"] =
        push_and_report(reporter, layout, pushes_under(request.push_prefix, references), request.push);
  // The record of this build for pipelines and for later comparison: what the summary
  // shows, as JSON, beside the layout by default.
  fs::path report = request.report.empty() ? spec.directory / ".nanoforge" / "build-report.json" : request.report;
  if (report.has_parent_path()) fs::create_directories(report.parent_path());
  write_file_atomically(report, published.report.dump(2) + "\n");
  return published;
}

}  // namespace nanoforge::builder
