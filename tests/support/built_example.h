// The embedded example (examples/) built once per test program, and the helpers that read
// `nanoforge verify --json` reports: shared by the tests that check what the example builds.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace nanoforge::testing {

// "'/path/to/nanoforge' ARGUMENTS", ready for run().
std::string nanoforge_command(const std::string& arguments);

// A copy of examples/ (so tests never write into the source tree) built with
// `nanoforge build` on first use; the download cache is shared with other tests of the run.
// ctest runs every test case in a process of its own: with the harness running, the copy is
// built once for all of them, in the harness's directory (example/, under a lock), and built
// again only when the binary or examples/ changed; without it, in a temporary directory.
struct BuiltExample {
  std::filesystem::path directory;
  std::filesystem::path spec;
  std::string wheelhouse;  // empty: no CPython 3.12 wheels here, nothing was built
  CommandResult build;     // `build --json`; stderr is in directory/build.log
  static BuiltExample& get();
  // `nanoforge verify -f SPEC ARGUMENTS`
  std::string verify(const std::string& arguments) const;

 private:
  BuiltExample();
  std::optional<TempDir> owned_;  // the temporary directory, when not shared
};

// Why the example cannot be built on this machine ("" when it can): no CPython 3.12 wheels.
// When it can, REQUIREs that it did build (a failed build fails the test, with its log).
std::string example_unavailable();

// Exports the example's runtime image (nanobot:0.1.0) to a docker-archive in `scratch` and
// runs `LOAD_COMMAND ARCHIVE` (e.g. "docker load -i", as any user), returning what the engine
// calls the image: "nanobot:0.1.0", or "localhost/nanobot:0.1.0" for Podman. REQUIREs success.
std::string load_example_image(const std::string& load_command, bool podman, const std::filesystem::path& scratch);

// The JSON report on stdout; stderr (merged by run()) may add a line after it.
nlohmann::json parse_report(const std::string& output);
// The first check whose name starts with `prefix`, or null.
nlohmann::json check_named(const nlohmann::json& report, const std::string& prefix);
std::vector<std::string> failed_checks(const nlohmann::json& report);

}  // namespace nanoforge::testing
