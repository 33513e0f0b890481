#include <catch2/catch.hpp>

#include <filesystem>

#include "builder/plan/runtime_image.h"
#include "test_support.h"

using namespace nanoforge::builder;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {
// Runs the entrypoint under `shell` with a fake /opt/venv-like directory standing in.
CommandResult run_entrypoint(const std::string& shell, const fs::path& dir, const std::string& arguments) {
  auto script = entrypoint_script({"example-gateway", "gateway", "--verbose"});
  // Point the script at a test venv instead of /opt/venv.
  auto at = script.find("/opt/venv/bin/");
  while (at != std::string::npos) {
    script.replace(at, 9, (dir / "venv").string());
    at = script.find("/opt/venv/bin/", at + 1);
  }
  write_text(dir / "entrypoint", script);
  return run("PATH=" + shell_quote((dir / "bin").string()) + ":/usr/bin:/bin " + shell + " " +
             shell_quote((dir / "entrypoint").string()) + " " + arguments);
}
}  // namespace

TEST_CASE("the entrypoint runs commands on PATH and otherwise starts the app", "[runtime]") {
  TempDir dir;
  fs::create_directories(dir / "venv/bin");
  write_text(dir / "venv/bin/example-gateway", "#!/bin/sh\necho \"app:$*\"\n");
  fs::permissions(dir / "venv/bin/example-gateway", fs::perms::owner_all);
  for (const std::string shell : {"/bin/dash", "/bin/bash", "/bin/busybox sh"}) {
    if (!fs::exists(shell.substr(0, shell.find(' ')))) continue;
    INFO(shell);
    CHECK(run_entrypoint(shell, dir.path(), "").output == "app:gateway --verbose\n");
    CHECK(run_entrypoint(shell, dir.path(), "status 'two words'").output == "app:status two words\n");
    CHECK(run_entrypoint(shell, dir.path(), "echo direct").output == "direct\n");
    auto which = run_entrypoint(shell, dir.path(), "which no-such-program-here");
    CHECK(which.exit_code != 0);
  }
  fs::remove(dir / "venv/bin/example-gateway");
  auto missing = run_entrypoint("/bin/sh", dir.path(), "");
  CHECK(missing.exit_code == 127);
  CHECK_THAT(missing.output, Catch::Contains("mount the venv"));
}

TEST_CASE("the runtime config runs as the unprivileged user with the venv on PATH", "[runtime]") {
  Spec spec;
  spec.name = "nanobot";
  spec.version = "1.0";
  spec.runtime = RuntimeSpec{};
  auto config = runtime_image_config(spec);
  CHECK(config.user == "1000:1000");
  CHECK(config.working_dir == "/data");
  CHECK(config.exposed_ports == std::vector<std::string>{"18790/tcp"});
  CHECK(std::find(config.env.begin(), config.env.end(), "HOME=/data") != config.env.end());
  CHECK(config.env[1].starts_with("PATH=/opt/venv/bin:"));
  REQUIRE(config.healthcheck);
  CHECK(config.healthcheck->test[1] == "/opt/venv/bin/python");
  CHECK(config.entrypoint == std::vector<std::string>{"/usr/bin/tini", "--", "/usr/local/bin/nanobot-entrypoint"});
  CHECK(std::find(config.env.begin(), config.env.end(), "PYTHONFAULTHANDLER=1") != config.env.end());
}

TEST_CASE("Dockerfile.multi-instance ships the same entrypoint nanoforge generates", "[runtime]") {
  // Kept as a file for `docker build`; it must not drift from the generated one.
  auto shipped = read_text(source_dir() / "docker/nanobot-entrypoint");
  CHECK(shipped == entrypoint_script({"nanobot", "gateway"}));
  CHECK(fs::status(source_dir() / "docker/nanobot-entrypoint").permissions() == fs::perms(0755));
}
