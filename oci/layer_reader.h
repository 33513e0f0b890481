// Reading layers back: the entries of a stored layer blob (any compression), and a safe
// extraction into a directory, for checks that look inside images.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "oci/layer_entry.h"

namespace nanoforge::oci {

// Metadata of one tar member (content is not read).
struct LayerMember {
  std::string path;  // normalised, no leading "./" or "/"
  EntryType type = EntryType::Regular;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;
  std::string link_target;
};

// Calls `visit` for every member of the (compressed or plain) tar at `blob`.
void for_each_layer_member(const std::filesystem::path& blob, const std::function<void(const LayerMember&)>& visit);

// Extracts the layer into `directory` without following symlinks out of it, without
// honouring absolute or `..` paths, and without changing owners (so it works unprivileged).
void extract_layer(const std::filesystem::path& blob, const std::filesystem::path& directory);

}  // namespace nanoforge::oci

namespace nanoforge::oci {

// The content of the regular file at image path `path` in the layer, if it holds one.
std::optional<std::string> read_layer_file(const std::filesystem::path& blob, const std::string& path);

// Bytes of the uncompressed tar stream of a layer blob (its size as an image's disk usage).
std::uint64_t uncompressed_layer_size(const std::filesystem::path& blob);

}  // namespace nanoforge::oci
