// Export to a docker-archive tarball in Docker 25's form: manifest.json and repositories
// for `docker load` (20.10 and later) plus the OCI index.json/oci-layout, sharing one
// blobs/sha256/ directory, which `podman load` also accepts.
#pragma once
#include <filesystem>
#include <vector>

#include "oci/layout.h"
#include "oci/progress.h"

namespace nanoforge::oci {

// Writes the images (each with its reference as RepoTag) to `output` atomically.
// Layers are stored as they are in the layout (gzip/zstd/none); docker load of zstd layers
// needs Docker 23+, so the caller picks gzip for 20.10.
void export_docker_archive(const Layout& layout, const std::vector<ImageReference>& images,
                           const std::filesystem::path& output, const ProgressCallback& progress = {});

}  // namespace nanoforge::oci
