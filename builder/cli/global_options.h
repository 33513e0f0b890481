// Options every command understands, and where things live by default.
#pragma once
#include <filesystem>
#include <string>

namespace nanoforge::oci {
class Layout;
}

namespace nanoforge::builder {

struct GlobalOptions {
  std::string spec_file;    // -f; empty: ./nanoforge.yaml
  std::string layout_dir;   // --layout; empty: .nanoforge/oci beside the spec
  std::string cache_dir;    // --cache-dir; empty: $XDG_CACHE_HOME/nanoforge or ~/.cache/nanoforge
  bool quiet = false;       // --quiet: errors only
  bool json = false;        // --json: machine-readable output on stdout

  std::filesystem::path spec_path() const;
  // The layout directory: --layout, else .nanoforge/oci in the spec's directory.
  std::filesystem::path layout_path() const;
  std::filesystem::path cache_path() const;
};

// Opens the layout at options.layout_path() for reading. Throws nanoforge::Error naming the
// directory (and saying to build first or give --layout) when it holds no index.json.
oci::Layout existing_layout(const GlobalOptions& options);

// Exit codes, documented in the README.
namespace exit_code {
inline constexpr int kOk = 0;
inline constexpr int kError = 1;          // bad input, failed step: the message says which
inline constexpr int kUsage = 2;          // the command line itself is wrong
inline constexpr int kCheckFailed = 3;    // verify ran and a check failed
}  // namespace exit_code

}  // namespace nanoforge::builder
