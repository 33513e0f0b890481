// The venv as three OCI layers at /opt/venv, Jib's idea: what changes least goes lowest, so a
// change to the project re-pushes only the small top layer.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "base/container_contract.h"
#include "oci/layer_entry.h"

namespace nanoforge::venv {

struct VenvLayerGroups {
  std::vector<oci::LayerEntry> interpreter;   // bin/python*, libpython, the standard library
  std::vector<oci::LayerEntry> dependencies;  // site-packages and scripts of every other distribution
  std::vector<oci::LayerEntry> project;       // the project's files (from its RECORD), VERSION.txt, .pyproject.md5
};

// Splits the venv's entries (placed under `destination`) into the three groups. Every file,
// link and directory of the venv is in exactly one group, except that each group also
// carries the directories above its files so it unpacks on its own. The project is the one
// VERSION.txt names. Throws nanoforge::Error when the venv has no VERSION.txt.
VenvLayerGroups venv_layer_entries(const std::filesystem::path& venv_dir,
                                   const std::string& destination = contract::kVenvLayerPath);

}  // namespace nanoforge::venv
