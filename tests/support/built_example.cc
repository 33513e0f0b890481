#include "built_example.h"

#include <cstdlib>

#include <catch2/catch.hpp>

namespace nanoforge::testing {

namespace fs = std::filesystem;

std::string nanoforge_command(const std::string& arguments) { return shell_quote(nanoforge_binary()) + " " + arguments; }

namespace {

// What the built copy depends on: the binary and the example's files (paths, sizes, mtimes).
std::string example_stamp() {
  return run("stat -c '%n %s %Y' " + shell_quote(nanoforge_binary()) + " && cd " +
             shell_quote((source_dir() / "examples").string()) +
             " && find . -type f -printf '%p %s %T@\\n' | sort").output;
}

// The harness's directory when it runs (tests/harness/harness.sh), else empty.
fs::path harness_directory() {
  const char* dir = std::getenv("NANOFORGE_HARNESS_DIR");
  fs::path path = dir && *dir ? dir : "/tmp/nanoforge-harness";
  return fs::exists(path / "env") ? path : fs::path();
}

}  // namespace

BuiltExample::BuiltExample() {
  wheelhouse = python312_wheelhouse();
  fs::path shared = harness_directory();
  if (shared.empty()) {
    owned_.emplace("nanoforge-example");
    directory = owned_->path();
  } else {
    directory = shared / "example";
  }
  spec = directory / "nanoforge.yaml";
  if (wheelhouse.empty()) return;
  auto build_command = [&] {
    return nanoforge_command("build --json -f " + shell_quote(spec.string()) + " --find-links " +
                             shell_quote(wheelhouse)) + " 2>" + shell_quote((directory / "build.log").string());
  };
  if (owned_) {
    run("cp -r " + shell_quote((source_dir() / "examples").string()) + "/. " + shell_quote(directory.string()));
    build = run(build_command());
    return;
  }
  // One process builds, the others wait on the lock and read what it left.
  fs::create_directories(shared);
  auto lock = shared / "example.lock";
  std::string stamp = example_stamp();
  auto built = run("exec 9>" + shell_quote(lock.string()) + " && flock 9 && if [ -f " +
                   shell_quote((shared / "example.stamp").string()) + " ] && cmp -s " +
                   shell_quote((shared / "example.stamp").string()) + " - <<'NANOFORGE_STAMP'\n" + stamp +
                   "NANOFORGE_STAMP\nthen cat " + shell_quote((shared / "example.build").string()) + "; exit 0; fi; rm -rf " +
                   shell_quote(directory.string()) + " " + shell_quote((shared / "example.stamp").string()) +
                   " && mkdir -p " + shell_quote(directory.string()) + " && cp -r " +
                   shell_quote((source_dir() / "examples").string()) + "/. " + shell_quote(directory.string()) + " && " +
                   build_command() + " > " + shell_quote((shared / "example.build").string()) + "; code=$?; cat " +
                   shell_quote((shared / "example.build").string()) + "; [ $code -eq 0 ] && cat > " +
                   shell_quote((shared / "example.stamp").string()) + " <<'NANOFORGE_STAMP'\n" + stamp +
                   "NANOFORGE_STAMP\n" + "exit $code");
  build = built;
}

BuiltExample& BuiltExample::get() {
  static BuiltExample example;
  return example;
}

std::string example_unavailable() {
  auto& example = BuiltExample::get();
  if (example.wheelhouse.empty())
    return "no CPython 3.12 install with setuptools/wheel wheels on this machine: the example is not built";
  INFO("the example's build log:\n" << read_text(example.directory / "build.log"));
  REQUIRE(example.build.exit_code == 0);
  return "";
}

std::string load_example_image(const std::string& load_command, bool podman, const fs::path& scratch) {
  auto& example = BuiltExample::get();
  auto archive = scratch / "nanobot-example.tar";
  auto exported = run(nanoforge_command("--layout " + shell_quote((example.directory / ".nanoforge/oci").string()) +
                                        " export nanobot:0.1.0 --docker-archive " + shell_quote(archive.string())));
  INFO(exported.output);
  REQUIRE(exported.exit_code == 0);
  fs::permissions(archive, fs::perms(0644));  // loaded by another user, too
  auto loaded = run(load_command + " " + shell_quote(archive.string()));
  INFO(loaded.output);
  REQUIRE(loaded.exit_code == 0);
  fs::remove(archive);
  return podman ? "localhost/nanobot:0.1.0" : "nanobot:0.1.0";
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
