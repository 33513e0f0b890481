#include "builder/publish/image_loader.h"

#include "oci/docker_archive.h"
#include "base/error.h"
#include "base/subprocess.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

std::optional<LocalEngine> find_local_engine(std::string& reason) {
  if (program_exists("docker")) {
    auto version = run_process({"docker", "version", "--format", "{{.Server.Version}}"},
                               within_seconds(20));
    if (version.ok()) return LocalEngine{"docker", ""};
    reason = "docker: no daemon answers";
  } else {
    reason = "docker: not installed";
  }
  if (program_exists("podman")) {
    auto info = run_process({"podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"},
                            within_seconds(30));
    if (info.ok()) return LocalEngine{"podman", "localhost/"};
    reason += "; podman: `podman info` failed";
  } else {
    reason += "; podman: not installed";
  }
  return std::nullopt;
}

void load_images(const LocalEngine& engine, const oci::Layout& layout, const std::vector<ImageReference>& images,
                 const fs::path& scratch, const ProgressCallback& progress) {
  fs::create_directories(scratch);
  auto archive = scratch / "load.tar";
  oci::export_docker_archive(layout, images, archive, progress);
  auto load = run_process({engine.program, "load", "-i", archive.string()},
                          within_seconds(600));
  std::error_code ignored;
  fs::remove(archive, ignored);
  if (!load.ok()) {
    std::string names;
    for (const auto& image : images) names += (names.empty() ? "" : ", ") + image.str();
    throw Error(engine.program + " load of " + names + " failed: " + load.output);
  }
}

}  // namespace nanoforge::builder
