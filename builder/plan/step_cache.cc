#include "builder/plan/step_cache.h"

#include <sys/stat.h>

#include "base/atomic_file.h"
#include "base/error.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

StepKey::StepKey(std::string_view step) { add("step", step); }

StepKey& StepKey::add(std::string_view name, std::string_view value) {
  inputs_.add(name, value);
  return *this;
}

StepKey& StepKey::add(std::string_view name, std::int64_t value) { return add(name, std::to_string(value)); }

StepKey& StepKey::add_entries(const std::vector<oci::LayerEntry>& entries, StatCache& stat_cache) {
  add("entries", static_cast<std::int64_t>(entries.size()));
  for (const auto& entry : entries) {
    std::string record = std::to_string(static_cast<int>(entry.type)) + ' ' + std::to_string(entry.mode) + ' ' +
                         std::to_string(entry.uid) + ':' + std::to_string(entry.gid) + ' ' +
                         std::to_string(entry.size) + ' ' + entry.link_target;
    if (!entry.source.empty()) {
      struct stat info {};
      if (::lstat(entry.source.c_str(), &info) != 0) throw_system_error("cannot stat", entry.source.string());
      // The writer checks size against `source`; what it reads is the content hashed here.
      record += " sha256:" + stat_cache.content_sha256(entry.source, info);
    } else if (entry.type == oci::EntryType::Regular) {
      record += " " + sha256_of(entry.data).str();
    }
    add(entry.path, record);
  }
  return *this;
}

StepKey& StepKey::add_file(std::string_view name, const fs::path& file) {
  return add(name, sha256_of_file(file).str());
}

StepCache::StepCache(fs::path directory) : root_(std::move(directory)) {
  std::error_code error;
  fs::create_directories(root_, error);
  if (error) throw Error("cannot create cache directory " + root_.string() + ": " + error.message());
}

std::optional<nlohmann::json> StepCache::get(const Digest& key) const {
  auto path = root_ / (key.hex + ".json");
  std::error_code error;
  if (!fs::exists(path, error)) return std::nullopt;
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const std::exception&) {
    return std::nullopt;  // a damaged record is a miss; the step runs again and replaces it
  }
}

void StepCache::put(const Digest& key, const nlohmann::json& record) const {
  write_file_atomically(root_ / (key.hex + ".json"), record.dump());
}

// A step's last inputs: last/<digest of the step id> names the key they had, and
// inputs/<key>.json holds them (written when the step runs; the same for every spec that
// shares the key, and no larger than the step records themselves).
namespace {

fs::path last_file(const fs::path& root, std::string_view step_id) {
  return root / "last" / sha256_of(step_id).hex;
}

fs::path inputs_file(const fs::path& root, const std::string& key_hex) { return root / "inputs" / (key_hex + ".json"); }

void write_quietly(const fs::path& file, std::string_view content) {
  try {
    fs::create_directories(file.parent_path());
    write_file_atomically(file, content);
  } catch (const std::exception&) {
  }
}

}  // namespace

std::string StepCache::explain_run(std::string_view step_id, const InputList& inputs,
                                   std::string_view same_inputs) const {
  const std::string key = inputs.digest().hex;
  std::string reason = "first run";
  try {
    std::string last = read_file(last_file(root_, step_id));
    if (auto before = InputList::parse(read_file(inputs_file(root_, last)))) {
      reason = InputList::first_difference(*before, inputs);
      if (reason.empty()) reason = same_inputs;
    }
  } catch (const std::exception&) {
    // Nothing kept, or unreadable: a first run as far as anyone can tell.
  }
  write_quietly(inputs_file(root_, key), inputs.serialize());
  write_quietly(last_file(root_, step_id), key);
  return reason;
}

void StepCache::note_reuse(std::string_view step_id, const Digest& key) const {
  try {
    if (read_file(last_file(root_, step_id)) == key.hex) return;
  } catch (const std::exception&) {
  }
  write_quietly(last_file(root_, step_id), key.hex);
}

}  // namespace nanoforge::builder
