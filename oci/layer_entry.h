// One file system entry of a layer, as the layer writer needs it. rootfs/, venv/ and the
// spec's directory layers all describe their trees this way.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace nanoforge::oci {

enum class EntryType { Regular, Directory, Symlink, Hardlink };

struct LayerEntry {
  // Path inside the image, relative, '/'-separated, no leading "/" or "./", no "..":
  // "usr/bin/bash", "opt/venv".
  std::string path;
  EntryType type = EntryType::Regular;
  std::uint32_t mode = 0644;  // permission bits, including setuid/setgid/sticky
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  // Symlink: the target, verbatim. Hardlink: the image path of the entry it links to,
  // which must come earlier in the sorted order (the writer guarantees this).
  std::string link_target;
  // Regular files: content comes from `source` on disk when set, else from `data`.
  std::filesystem::path source;
  std::string data;
  std::uint64_t size = 0;  // of the content; the writer checks it against `source`
};

// Ownership and mode overrides by image path: "data" -> 1000:1000 applies to that path and
// everything below it (the longest matching prefix wins).
struct OwnerRule {
  std::string path;  // image path, as in LayerEntry::path
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

// Scans `directory` into entries placed under `destination` (an image path, "" for the
// root), with every owner root unless an OwnerRule says otherwise. Hard links within the
// tree become Hardlink entries; symlinks are kept verbatim; sockets, FIFOs and devices are
// refused with an error naming the file. Parent directories of `destination` are added.
std::vector<LayerEntry> scan_directory(const std::filesystem::path& directory,
                                       const std::string& destination,
                                       const std::vector<OwnerRule>& owner_rules = {});

// Applies owner rules to entries already built (e.g. from a .deb).
void apply_owner_rules(std::vector<LayerEntry>& entries, const std::vector<OwnerRule>& rules);

// Validates an image path and returns its normal form: relative, '/'-separated, no empty or
// "." components, no trailing '/'. A leading '/' is dropped (image paths are always rooted at
// the image root); "/" and "" give "" (the root). Throws nanoforge::Error naming `context` and
// the path for "..", NUL bytes or anything else that could escape the image root.
std::string normalize_image_path(const std::string& path, const std::string& context);

// The order of entries in a layer: path by path component, so a directory's children follow
// it directly ("a", "a/b", "a-b"), as `tar --sort=name` gives.
bool image_path_less(const std::string& left, const std::string& right);

}  // namespace nanoforge::oci
