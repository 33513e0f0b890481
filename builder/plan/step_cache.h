// The step cache: each build step is keyed by the digest of its inputs, and its outputs
// (small JSON records pointing at content-addressed blobs) are kept under that key, the way
// Ninja's hash-keyed build log makes a no-op build instant. Shared safely between
// concurrent runs: records are written atomically and are never edited in place.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "oci/layer_entry.h"

namespace nanoforge::builder {

// Builds a step key from named inputs; the same inputs in the same order give the same key.
class StepKey {
 public:
  explicit StepKey(std::string_view step);
  StepKey& add(std::string_view name, std::string_view value);
  StepKey& add(std::string_view name, std::int64_t value);
  // Adds the entries' metadata and, for files on disk, their stat identity (size, mtime,
  // inode, ctime) — cheap, like make; content changes always change one of those.
  StepKey& add_entries(const std::vector<oci::LayerEntry>& entries);
  // Adds a file's content digest (for small inputs such as lock files).
  StepKey& add_file(std::string_view name, const std::filesystem::path& file);
  Digest digest();

 private:
  Sha256 hash_;
};

class StepCache {
 public:
  // Records live in `directory` (CACHE/steps).
  explicit StepCache(std::filesystem::path directory);
  std::optional<nlohmann::json> get(const Digest& key) const;
  void put(const Digest& key, const nlohmann::json& record) const;
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace nanoforge::builder
