// Issue #12 item 1: a change to one project source file (pyproject.toml untouched) must reach
// ./venv and the NAME-venv and NAME-full images, the build must say which file made it rerun,
// and only the project layer may change. Works on a copy of the example built by
// built_example.h, so it costs one project-only update and one full venv build.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "built_example.h"
#include "test_support.h"

using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

const char* kInitInLayer = "opt/venv/lib/python3.12/site-packages/example_gateway/__init__.py";
const char* kBytecodeInLayer =
    "opt/venv/lib/python3.12/site-packages/example_gateway/__pycache__/__init__.cpython-312.pyc";

// Layer name -> digest of the image tagged `reference` in a `build --json` result.
std::map<std::string, std::string> layers_of(const nlohmann::json& built, const std::string& reference) {
  std::map<std::string, std::string> layers;
  for (const auto& image : built["images"])
    for (const auto& name : image["references"])
      if (name == reference)
        for (const auto& layer : image["layers"]) layers[layer["name"]] = layer["digest"];
  return layers;
}

// The last layer of the image tagged `reference`: its digest.
std::string top_layer(const nlohmann::json& built, const std::string& reference) {
  for (const auto& image : built["images"])
    for (const auto& name : image["references"])
      if (name == reference) return image["layers"].back()["digest"];
  return "";
}

const nlohmann::json* step_named(const nlohmann::json& built, const std::string& prefix) {
  for (const auto& step : built["steps"])
    if (step["name"].get<std::string>().starts_with(prefix)) return &step;
  return nullptr;
}

}  // namespace

TEST_CASE("a changed project source file is rebuilt into ./venv and both images, and only the project layer changes",
          "[build][venv][source-change]") {
  auto& example = BuiltExample::get();
  if (example.wheelhouse.empty()) NANOFORGE_SKIP("no CPython 3.12 install with setuptools/wheel wheels on this machine");
  REQUIRE(example.build.exit_code == 0);
  // A deployment of its own: the built example copied (venv, layout, locks and all).
  TempDir dir("nanoforge-source-change");
  REQUIRE(run("cp -a " + shell_quote(example.directory.string()) + "/. " + shell_quote(dir.path().string())).exit_code == 0);
  const fs::path spec = dir / "nanoforge.yaml";
  auto build = [&](const std::string& extra) {
    auto result = run(nanoforge_command("build --json -f " + shell_quote(spec.string()) + " --find-links " +
                                        shell_quote(example.wheelhouse) + extra) +
                      " 2>" + shell_quote((dir / "build.log").string()));
    INFO(result.output << "\n" << read_text(dir / "build.log"));
    REQUIRE(result.exit_code == 0);
    return parse_report(result.output);
  };

  // The copy is up to date: the keys are of content, not of where the files sit.
  auto first = build("");
  CHECK(first["nothingChanged"] == true);

  // One source file changes; pyproject.toml does not.
  const fs::path init = dir / "gateway/src/example_gateway/__init__.py";
  auto source = read_text(init);
  REQUIRE(source.find("__version__ = \"0.1.0\"") != std::string::npos);
  source.replace(source.find("__version__ = \"0.1.0\""), 21, "__version__ = \"0.1.0+v2\"");
  write_text(init, source);
  auto second = build("");

  // (a) The build reran the venv and says which file made it.
  CHECK(second["nothingChanged"] == false);
  const auto* venv_step = step_named(second, "venv " );
  REQUIRE(venv_step);
  CHECK((*venv_step)["reused"] == false);
  CHECK_THAT((*venv_step)["reason"].get<std::string>(), Catch::Contains("src/example_gateway/__init__.py changed"));
  CHECK_THAT((*venv_step)["reason"].get<std::string>(), Catch::Contains("reinstalled the project alone"));

  // (b) ./venv runs the new code.
  auto version = run(shell_quote((dir / "venv/bin/example-gateway").string()) + " --version");
  CHECK(version.output == "example-gateway 0.1.0+v2\n");

  // (c) Both images carry it: source and (unchecked-hash, so never re-validated) bytecode.
  for (const std::string reference : {"nanobot-full:0.1.0", "nanobot-venv:0.1.0"}) {
    auto digest = top_layer(second, reference);
    REQUIRE(digest.starts_with("sha256:"));
    auto blob = dir / ".nanoforge/oci/blobs/sha256" / digest.substr(7);
    auto content = run("tar -xzOf " + shell_quote(blob.string()) + " " + kInitInLayer);
    INFO(reference << ": " << content.output);
    CHECK_THAT(content.output, Catch::Contains("__version__ = \"0.1.0+v2\""));
    CHECK(run("tar -xzOf " + shell_quote(blob.string()) + " " + kBytecodeInLayer + " | grep -c -a '0.1.0+v2'").output == "1\n");
  }

  // (d) Only the project layer differs, in both images.
  for (const std::string reference : {"nanobot-full:0.1.0", "nanobot-venv:0.1.0"}) {
    auto before = layers_of(first, reference), after = layers_of(second, reference);
    INFO(reference);
    REQUIRE(after.count("venv project layer"));
    CHECK(after["venv interpreter layer"] == before["venv interpreter layer"]);
    CHECK(after["venv dependencies layer"] == before["venv dependencies layer"]);
    CHECK(after["venv project layer"] != before["venv project layer"]);
  }
  CHECK(step_named(second, "venv interpreter layer")->at("reused") == true);
  CHECK(step_named(second, "venv dependencies layer")->at("reused") == true);

  // `venv update` (what the guide's update-venv.sh runs) sees the same project as the build did.
  auto update = run("cd " + shell_quote(dir.path().string()) + " && " +
                    nanoforge_command("venv update --project gateway --webui build --no-index --find-links " +
                                      shell_quote(example.wheelhouse)) + " 2>&1");
  INFO(update.output);
  CHECK(update.exit_code == 0);
  CHECK_THAT(update.output, Catch::Contains("up to date"));

  // The project reinstalled alone is exactly what a whole new venv holds.
  auto full = build(" --force-venv");
  CHECK(layers_of(full, "nanobot-venv:0.1.0") == layers_of(second, "nanobot-venv:0.1.0"));
}
