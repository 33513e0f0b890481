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
#include "base/input_list.h"
#include "oci/layer_entry.h"
#include "base/stat_cache.h"

namespace nanoforge::builder {

// Builds a step key from named inputs; the same inputs in the same order give the same key.
class StepKey {
 public:
  explicit StepKey(std::string_view step);
  StepKey& add(std::string_view name, std::string_view value);
  StepKey& add(std::string_view name, std::int64_t value);
  // Adds each entry, named by its image path: type, permission bits, owner, link target, size
  // and the SHA-256 of a regular file's content. Files on disk are read through `stat_cache`,
  // so an unchanged file is not read again; the key itself never depends on where a file sits
  // or on its timestamps. Throws nanoforge::Error naming a file that cannot be read.
  StepKey& add_entries(const std::vector<oci::LayerEntry>& entries, StatCache& stat_cache);
  // Adds a file's content digest (for small inputs such as lock files).
  StepKey& add_file(std::string_view name, const std::filesystem::path& file);
  Digest digest() const { return inputs_.digest(); }
  const InputList& inputs() const { return inputs_; }

 private:
  InputList inputs_;
};

class StepCache {
 public:
  // Records live in `directory` (CACHE/steps).
  explicit StepCache(std::filesystem::path directory);
  std::optional<nlohmann::json> get(const Digest& key) const;
  void put(const Digest& key, const nlohmann::json& record) const;
  // Why the step `step_id` (the spec and the step's name) must run: the first of its inputs
  // that differs from those of its last run or reuse ("etc/greeting changed", "lock
  // changed"), "first run" when none are kept, or `same_inputs` when they are all the same.
  // Keeps `inputs` as the step's last. Never throws: it only explains.
  std::string explain_run(std::string_view step_id, const InputList& inputs,
                          std::string_view same_inputs) const;
  // Notes that the step `step_id` was reused with the inputs of `key`, so that the next
  // explanation compares against them. Never throws.
  void note_reuse(std::string_view step_id, const Digest& key) const;
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace nanoforge::builder
