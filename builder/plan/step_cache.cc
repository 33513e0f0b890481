#include "builder/plan/step_cache.h"

#include <sys/stat.h>

#include "base/atomic_file.h"
#include "base/error.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

StepKey::StepKey(std::string_view step) { add("step", step); }

StepKey& StepKey::add(std::string_view name, std::string_view value) {
  // Length-prefixed so that no two different input lists hash the same bytes.
  auto field = [&](std::string_view text) {
    auto length = std::to_string(text.size());
    hash_.update(length);
    hash_.update(":", 1);
    hash_.update(text);
  };
  field(name);
  field(value);
  return *this;
}

StepKey& StepKey::add(std::string_view name, std::int64_t value) { return add(name, std::to_string(value)); }

StepKey& StepKey::add_entries(const std::vector<oci::LayerEntry>& entries) {
  add("entries", static_cast<std::int64_t>(entries.size()));
  for (const auto& entry : entries) {
    std::string record = entry.path + '\0' + std::to_string(static_cast<int>(entry.type)) + '\0' +
                         std::to_string(entry.mode) + '\0' + std::to_string(entry.uid) + '\0' +
                         std::to_string(entry.gid) + '\0' + entry.link_target + '\0' +
                         std::to_string(entry.size) + '\0';
    if (!entry.source.empty()) {
      struct stat info {};
      if (::lstat(entry.source.c_str(), &info) != 0) throw_system_error("cannot stat", entry.source.string());
      record += entry.source.string() + '\0' + std::to_string(info.st_size) + '\0' +
                std::to_string(info.st_mtim.tv_sec) + '.' + std::to_string(info.st_mtim.tv_nsec) + '\0' +
                std::to_string(info.st_ctim.tv_sec) + '.' + std::to_string(info.st_ctim.tv_nsec) + '\0' +
                std::to_string(info.st_ino);
    } else if (entry.type == oci::EntryType::Regular) {
      record += sha256_of(entry.data).hex;
    }
    add("entry", record);
  }
  return *this;
}

StepKey& StepKey::add_file(std::string_view name, const fs::path& file) {
  return add(name, sha256_of_file(file).str());
}

Digest StepKey::digest() { return hash_.finish(); }

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

}  // namespace nanoforge::builder
