// Step keys over layer entries hash what the layer holds (content, modes, owners, link
// targets), not where the files sit; a step that reruns says which input changed; and with
// `project: .` the deployment's state is no input of the venv.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/spec/spec.h"
#include "builder/plan/step_cache.h"
#include "builder/plan/venv_stage.h"
#include "oci/layer_entry.h"
#include "base/stat_cache.h"
#include "test_support.h"
#include "venv/project_files.h"

using namespace nanoforge;
using namespace nanoforge::builder;
using nanoforge::testing::run;
using nanoforge::testing::shell_quote;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;
namespace fs = std::filesystem;

namespace {

StepKey layer_key(const fs::path& directory) {
  StatCache cache;
  StepKey key("layer");
  key.add("compression", "gzip").add_entries(oci::scan_directory(directory, "srv"), cache);
  return key;
}

}  // namespace

TEST_CASE("a layer's step key follows its files' content, modes and link targets, not their place or times", "[step-cache]") {
  TempDir dir;
  write_text(dir / "root/etc/greeting", "hello\n");
  write_text(dir / "root/bin/tool", "#!/bin/sh\n");
  fs::create_symlink("tool", dir / "root/bin/alias");
  const auto before = layer_key(dir / "root");
  CHECK(layer_key(dir / "root").digest() == before.digest());

  SECTION("a copy elsewhere, with other inodes and times, reuses the layer") {
    run("sleep 0.05; cp -r " + shell_quote((dir / "root").string()) + " " + shell_quote((dir / "copy").string()));
    CHECK(layer_key(dir / "copy").digest() == before.digest());
  }
  SECTION("touching a file keeps the key") {
    run("touch -d '2001-02-03 04:05:06' " + shell_quote((dir / "root/etc/greeting").string()));
    CHECK(layer_key(dir / "root").digest() == before.digest());
  }
  SECTION("same-size new content") {
    write_text(dir / "root/etc/greeting", "HELLO\n");
    auto after = layer_key(dir / "root");
    CHECK(after.digest() != before.digest());
    CHECK(InputList::first_difference(before.inputs(), after.inputs()) == "srv/etc/greeting changed");
  }
  SECTION("the executable bit") {
    ::chmod((dir / "root/etc/greeting").c_str(), 0755);
    CHECK(InputList::first_difference(before.inputs(), layer_key(dir / "root").inputs()) ==
          "srv/etc/greeting changed");
  }
  SECTION("a symlink's target") {
    fs::remove(dir / "root/bin/alias");
    fs::create_symlink("/bin/true", dir / "root/bin/alias");
    CHECK(InputList::first_difference(before.inputs(), layer_key(dir / "root").inputs()) ==
          "srv/bin/alias changed");
  }
}

TEST_CASE("a step that runs again says which input changed since its last run", "[step-cache]") {
  TempDir dir;
  StepCache cache(dir / "steps");
  auto inputs = [](const std::string& lock) {
    return StepKey("runtime").add("lock", lock).add("profile", "standard");
  };
  CHECK(cache.explain_run("spec\nruntime", inputs("a").inputs(), "same") == "first run");
  CHECK(cache.explain_run("spec\nruntime", inputs("b").inputs(), "same") == "lock changed");
  CHECK(cache.explain_run("spec\nruntime", inputs("b").inputs(), "same") == "same");
  // Reused with the first inputs in between: the next run is compared with those.
  cache.note_reuse("spec\nruntime", inputs("a").digest());
  auto third = StepKey("runtime").add("lock", "a").add("profile", "minimal");
  CHECK(cache.explain_run("spec\nruntime", third.inputs(), "same") == "profile changed");
  // Each step keeps its own record.
  CHECK(cache.explain_run("other spec\nruntime", inputs("a").inputs(), "same") == "first run");
}

TEST_CASE("with project: . the deployment's state and nanoforge's outputs are no project input", "[step-cache][project-files]") {
  TempDir dir;
  const fs::path deploy = dir / "deploy";
  write_text(deploy / "pyproject.toml", "[project]\nname = \"nanobot-ai\"\nversion = \"0.1\"\n");
  write_text(deploy / "nanobot/__init__.py", "\n");
  write_text(deploy / "nanoforge.yaml", "name: nanobot\nvenv: {project: ., module: nanobot, command: [nanobot, gateway], output: venv, lock: requirements.lock}\n");
  // What a running deployment accumulates beside the project.
  for (const char* state : {"instances/alice/workspace/sessions/s1.jsonl", "instances/alice/.env", "backups/alice.tar.gz",
                            "docker-compose.yml", ".nanoforge-compose-cache", "nanoforge-deployment.json",
                            ".nanoforge.lock", ".nanoforge/oci/index.json", ".nanoforge/build-report.json",
                            "venv/VERSION.txt", "venv.tar.gz", "venv.backup/VERSION.txt", "requirements.lock",
                            "nanoforge.debian.lock"})
    write_text(deploy / state, "x\n");
  unsetenv("SOURCE_DATE_EPOCH");
  auto spec = load_spec(deploy / "nanoforge.yaml");
  spec.runtime.emplace();
  spec.runtime->lock_file = deploy / "nanoforge.debian.lock";
  auto options = venv_options(spec, BuildOptions{}, dir / "cache");
  auto files = venv::list_project_files(deploy, venv::project_exclusions(options)).paths;
  CHECK(files == std::vector<std::string>{"nanobot/__init__.py", "pyproject.toml"});
}
