#include "builder/cli/global_options.h"

#include <cstdlib>

#include "base/error.h"
#include "oci/layout.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

fs::path GlobalOptions::spec_path() const {
  return spec_file.empty() ? fs::path("nanoforge.yaml") : fs::path(spec_file);
}

fs::path GlobalOptions::layout_path() const {
  if (!layout_dir.empty()) return layout_dir;
  auto spec_directory = fs::absolute(spec_path()).parent_path();
  return spec_directory / ".nanoforge" / "oci";
}

fs::path GlobalOptions::cache_path() const {
  if (!cache_dir.empty()) return cache_dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "nanoforge";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "nanoforge";
  return fs::temp_directory_path() / "nanoforge-cache";
}

oci::Layout existing_layout(const GlobalOptions& options) {
  auto path = options.layout_path();
  if (!fs::exists(path / "index.json"))
    throw Error("no OCI layout at " + path.string() + " (build first, or give --layout DIR)");
  return oci::Layout(path);
}

}  // namespace nanoforge::builder
