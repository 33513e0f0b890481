// A directory (or file) removed, recursively and quietly, when this goes out of scope: the
// scratch space of a step that is renamed into place on success and must leave nothing
// behind on failure (after the rename the path no longer exists and removal does nothing).
#pragma once
#include <filesystem>
#include <system_error>

namespace nanoforge {

class RemovedOnExit {
 public:
  explicit RemovedOnExit(std::filesystem::path path) : path_(std::move(path)) {}
  ~RemovedOnExit() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  RemovedOnExit(const RemovedOnExit&) = delete;
  RemovedOnExit& operator=(const RemovedOnExit&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace nanoforge
