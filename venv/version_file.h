// ./venv/VERSION.txt: what the venv holds and what it was built from, in "Key: value" lines
// followed by the installed distributions. No host name and no wall-clock time, so two
// builds of the same inputs write the same file; `venv update` compares against it.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nanoforge::venv {

struct VersionInfo {
  std::string python_version;       // "3.12.1"
  std::string project_name;
  std::string project_version;
  std::string pyproject_sha256;     // hex
  std::string lock_sha256;          // hex of the lock as installed from (or written)
  std::string interpreter_source;   // "found /root/.pyenv/versions/3.12.1", a URL, ...
  std::string interpreter_sha256;
  std::string options_sha256;       // extras, requirements, pruning, strip: what else shapes the venv
  // The project's files as the build saw them (project_files.h): digest of their paths,
  // contents, permission bits and symlink targets. Empty in a VERSION.txt of an older nanoforge.
  std::string project_files_sha256;
  std::int64_t build_epoch = 0;
  // The app's WebUI bundle in the installed package ("nanobot/web/dist/index.html"), or "" when
  // it has none; unknown (nullopt) in a VERSION.txt of an older nanoforge.
  std::optional<std::string> webui_bundle;
  std::vector<std::pair<std::string, std::string>> distributions;  // name, version; sorted
  friend bool operator==(const VersionInfo&, const VersionInfo&) = default;
};

std::string format_version_file(const VersionInfo& info);
// Throws nanoforge::Error naming `origin` and the line for malformed text.
VersionInfo parse_version_file(const std::string& text, const std::string& origin);
// Reads <venv>/VERSION.txt (or the file itself when given).
VersionInfo read_version_file(const std::filesystem::path& path);

}  // namespace nanoforge::venv
