#include "built_example.h"

namespace nanoforge::testing {

namespace fs = std::filesystem;

std::string nanoforge_command(const std::string& arguments) { return shell_quote(nanoforge_binary()) + " " + arguments; }

BuiltExample::BuiltExample() {
  run("cp -r " + shell_quote((source_dir() / "examples").string()) + "/. " + shell_quote(directory.path().string()));
  spec = directory / "nanoforge.yaml";
  wheelhouse = python312_wheelhouse();
  if (wheelhouse.empty()) return;
  build = run(nanoforge_command("build --json -f " + shell_quote(spec.string()) + " --find-links " + shell_quote(wheelhouse)) +
              " 2>" + shell_quote((directory / "build.log").string()));
}

BuiltExample& BuiltExample::get() {
  static BuiltExample example;
  return example;
}

std::string BuiltExample::verify(const std::string& arguments) const {
  return nanoforge_command("verify -f " + shell_quote(spec.string()) + " " + arguments);
}

nlohmann::json parse_report(const std::string& output) {
  auto begin = output.find('{');
  auto end = output.rfind('}');
  if (begin == std::string::npos || end == std::string::npos) return nlohmann::json::object();
  return nlohmann::json::parse(output.substr(begin, end - begin + 1));
}

nlohmann::json check_named(const nlohmann::json& report, const std::string& prefix) {
  for (const auto& check : report.value("checks", nlohmann::json::array()))
    if (check["name"].get<std::string>().starts_with(prefix)) return check;
  return nullptr;
}

std::vector<std::string> failed_checks(const nlohmann::json& report) {
  std::vector<std::string> names;
  for (const auto& check : report.value("checks", nlohmann::json::array()))
    if (check["status"] == "fail") names.push_back(check["name"]);
  return names;
}

}  // namespace nanoforge::testing
