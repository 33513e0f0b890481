// Reads an existing tarball (plain, gzip, xz, zstd, bzip2) into layer entries, so a spec
// layer can come from a tarball as well as from a directory.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "oci/layer_entry.h"

namespace nanoforge::oci {

// Entries of `tarball` placed under `destination`, with the owners and modes the tarball
// records (owner rules are applied by the caller). Contents are held in memory, so this is
// meant for the small tarballs specs use. Throws naming the tarball and the member for
// unsupported members (devices, FIFOs) and for paths that escape the root.
std::vector<LayerEntry> read_tarball_entries(const std::filesystem::path& tarball,
                                             const std::string& destination);

}  // namespace nanoforge::oci
