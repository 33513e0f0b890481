// `nanoforge venv pull REF`: the shared venv from the venv image a build pushed
// (NAME-venv:VERSION), unpacked to ./venv on a host that never builds it — the registry
// form of the guide's one read-only venv for every instance.
#pragma once
#include <filesystem>
#include <string>

#include "oci/layout.h"
#include "oci/registry/pull.h"

namespace nanoforge::venv {

struct VenvPullResult {
  ImageReference local;   // the image's name in the layout
  oci::PullResult pull;
  std::filesystem::path venv;  // where it now is
  std::string python_version;  // from its VERSION.txt
};

// Pulls `remote` into `layout` (as REPOSITORY-BASENAME:TAG), unpacks its /opt/venv beside
// `output` and swaps it in (the old venv becomes the backup). Throws nanoforge::Error when
// the image holds no nanoforge venv; `output` is untouched on any failure.
VenvPullResult pull_venv(oci::Layout& layout, const RemoteReference& remote, const std::filesystem::path& output,
                         const oci::PullOptions& options, const ProgressCallback& progress = {});

}  // namespace nanoforge::venv
