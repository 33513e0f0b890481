#include "venv/version_file.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "base/atomic_file.h"
#include "base/error.h"

namespace nanoforge::venv {

std::string format_version_file(const VersionInfo& info) {
  auto distributions = info.distributions;
  std::sort(distributions.begin(), distributions.end());
  std::ostringstream out;
  out << "Python: " << info.python_version << "\n"
      << "Project: " << info.project_name << " " << info.project_version << "\n"
      << "Pyproject-SHA256: " << info.pyproject_sha256 << "\n"
      << "Lock-SHA256: " << info.lock_sha256 << "\n"
      << "Interpreter-Source: " << info.interpreter_source << "\n"
      << "Interpreter-SHA256: " << info.interpreter_sha256 << "\n"
      << "Options-SHA256: " << info.options_sha256 << "\n"
      << "Project-Files-SHA256: " << info.project_files_sha256 << "\n"
      << "Build-Epoch: " << info.build_epoch << "\n";
  if (info.webui_bundle) out << "WebUI-Bundle: " << (info.webui_bundle->empty() ? "none" : *info.webui_bundle) << "\n";
  out << "Distributions:\n";
  for (const auto& [name, version] : distributions) out << "  " << name << "==" << version << "\n";
  return out.str();
}

VersionInfo parse_version_file(const std::string& text, const std::string& origin) {
  VersionInfo info;
  std::map<std::string, std::string> fields;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  bool in_distributions = false;
  auto fail = [&](const std::string& what) -> void {
    throw Error(origin + ":" + std::to_string(number) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (in_distributions && line.rfind("  ", 0) == 0) {
      auto spec = line.substr(2);
      auto eq = spec.find("==");
      if (eq == std::string::npos) fail("expected \"  name==version\", got \"" + line + "\"");
      info.distributions.push_back({spec.substr(0, eq), spec.substr(eq + 2)});
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) fail("expected \"Key: value\", got \"" + line + "\"");
    std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (key == "Distributions") {
      in_distributions = true;
      continue;
    }
    fields[key] = value;
  }
  for (const char* required : {"Python", "Project", "Pyproject-SHA256", "Lock-SHA256",
                               "Interpreter-Source", "Interpreter-SHA256", "Build-Epoch"})
    if (!fields.count(required)) throw Error(origin + ": missing field " + required);
  info.python_version = fields["Python"];
  auto project = fields["Project"];
  auto space = project.rfind(' ');
  info.project_name = project.substr(0, space);
  info.project_version = space == std::string::npos ? "" : project.substr(space + 1);
  info.pyproject_sha256 = fields["Pyproject-SHA256"];
  info.lock_sha256 = fields["Lock-SHA256"];
  info.interpreter_source = fields["Interpreter-Source"];
  info.interpreter_sha256 = fields["Interpreter-SHA256"];
  info.options_sha256 = fields["Options-SHA256"];
  info.project_files_sha256 = fields["Project-Files-SHA256"];
  if (auto bundle = fields.find("WebUI-Bundle"); bundle != fields.end())
    info.webui_bundle = bundle->second == "none" ? "" : bundle->second;
  try {
    info.build_epoch = std::stoll(fields["Build-Epoch"]);
  } catch (const std::exception&) {
    throw Error(origin + ": Build-Epoch \"" + fields["Build-Epoch"] + "\" is not a number");
  }
  return info;
}

VersionInfo read_version_file(const std::filesystem::path& path) {
  auto file = std::filesystem::is_directory(path) ? path / "VERSION.txt" : path;
  return parse_version_file(read_file(file), file.string());
}

}  // namespace nanoforge::venv
