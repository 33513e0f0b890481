// The output contract of every command: with --json, exactly one JSON document on stdout;
// with --quiet, nothing at all on success. The commands are read from the CLI's own --help,
// so a new command fails this test until it is given a way to run here (or a reason why not).
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

std::string nanoforge_command(const std::string& arguments) { return shell_quote(nanoforge_binary()) + " " + arguments; }

// The subcommand names CLI11's help lists under "SUBCOMMANDS:" (or "Subcommands:").
std::vector<std::string> subcommands_in_help(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream lines(help);
  std::string line;
  bool in_section = false;
  while (std::getline(lines, line)) {
    std::string lower = line;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("subcommands:", 0) == 0) {
      in_section = true;
      continue;
    }
    if (!in_section || line.empty()) continue;
    if (line[0] != ' ') break;  // the next section
    std::istringstream words(line);
    std::string name;
    words >> name;
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

// Every leaf command, "instance create" style, from the binary's help.
std::vector<std::string> leaf_commands() {
  std::vector<std::string> leaves;
  auto top = run(nanoforge_command("--help"));
  for (const auto& name : subcommands_in_help(top.output)) {
    auto family = subcommands_in_help(run(nanoforge_command(name + " --help")).output);
    if (family.empty()) leaves.push_back(name);
    for (const auto& member : family) leaves.push_back(name + " " + member);
  }
  return leaves;
}

// A spec of one busybox layer: a build of it takes well under a second.
void write_busybox_project(const fs::path& directory) {
  fs::create_directories(directory / "root/bin");
  fs::copy_file("/bin/busybox", directory / "root/bin/busybox");
  write_text(directory / "nanoforge.yaml",
             "name: console-out\n"
             "images:\n"
             "  - name: console-out\n"
             "    tags: [latest, \"0.1\"]\n"
             "    layers:\n"
             "      - source: root\n"
             "        destination: /\n"
             "    config:\n"
             "      entrypoint: [/bin/busybox]\n");
}

// A single-instance Nanobot home as the guide left it, for `instance migrate`.
void write_nanobot_home(const fs::path& home) {
  write_text(home / "config.json", R"({"model": "gpt-4o-mini", "gateway": {"host": "0.0.0.0", "port": 18790}})");
  write_text(home / "workspace/SOUL.md", "my soul\n");
}

}  // namespace

TEST_CASE("every command's --json prints one JSON document on stdout and --quiet prints nothing", "[cli-output]") {
  TempDir scratch("nanoforge-console-out");
  auto project = scratch / "project";
  write_busybox_project(project);
  auto deployment = scratch / "deploy";
  fs::create_directories(deployment);
  std::string spec = "-f " + shell_quote((project / "nanoforge.yaml").string()) + " --cache-dir " +
                     shell_quote((scratch / "cache").string());
  std::string layout = "--layout " + shell_quote((project / ".nanoforge/oci").string());
  std::string dir = "--dir " + shell_quote(deployment.string());
  // Offline on purpose: the commands that use an engine when there is one work without.
  std::string no_engine = " --engine console-out-no-such-engine";

  // How each command runs here, per mode ("json" or "quiet"), in this order: state one
  // command needs (the layout, an instance, a backup) is made by an earlier one.
  using Arguments = std::function<std::string(const std::string& mode)>;
  std::vector<std::pair<std::string, Arguments>> runs = {
      {"build", [&](auto&) { return spec; }},
      {"images", [&](auto&) { return layout; }},
      {"inspect", [&](auto&) { return layout + " console-out:0.1"; }},
      {"export", [&](auto& mode) { return layout + " console-out:0.1 --docker-archive " + shell_quote((scratch / (mode + ".tar")).string()); }},
      {"gc", [&](auto&) { return layout; }},
      {"instance create", [&](auto& mode) { return dir + " console-out-" + mode + " --soul assistant"; }},
      {"instance list", [&](auto&) { return dir; }},
      {"instance check", [&](auto&) { return dir; }},
      {"compose", [&](auto&) { return dir; }},
      {"status", [&](auto&) { return dir + no_engine; }},
      {"instance backup", [&](auto& mode) { return dir + " console-out-" + mode + " -o " + shell_quote((scratch / (mode + ".tar.zst")).string()) + no_engine; }},
      {"instance delete", [&](auto& mode) { return dir + " console-out-" + mode + " --yes --no-backup" + no_engine; }},
      {"instance restore", [&](auto& mode) { return dir + " " + shell_quote((scratch / (mode + ".tar.zst")).string()) + no_engine; }},
      {"instance migrate", [&](auto& mode) {
         write_nanobot_home(scratch / ("home-" + mode));
         return dir + " --from " + shell_quote((scratch / ("home-" + mode)).string()) + " console-out-m-" + mode;
       }},
  };
  // Commands this test cannot run on its own, and the test that holds them to the same
  // contract (--json parsed as one document from stdout alone, --quiet compared with "").
  std::map<std::string, std::string> not_run_here = {
      {"verify", "needs the example's Python build: build_verify_test.cc, both modes"},
      {"rootfs why", "needs the Debian archive's package lists: rootfs_archive_test.cc, both modes"},
      {"push", "needs the harness registry: registry_test.cc, both modes"},
      {"pull", "needs the harness registry: registry_test.cc, both modes"},
      {"login", "needs the harness registry and a password on stdin: registry_test.cc, both modes"},
      {"up", "needs an engine and the image: instances_test.cc, --json"},
      {"down", "needs an engine: instances_test.cc, --quiet"},
      {"start", "needs an engine: instances_test.cc, --json"},
      {"stop", "needs an engine: instances_test.cc, --quiet"},
      {"restart", "needs an engine: instances_test.cc, --json"},
      {"logs", "prints the containers' own logs: its stdout is the engine's, not a result"},
      {"instance exec", "runs a command in an instance's container: its output is the command's own (instances_test.cc)"},
      {"venv build", "needs CPython 3.12: venv_test.cc, --quiet (its --json is venv update's report)"},
      {"venv update", "needs CPython 3.12: venv_test.cc, --json"},
      {"venv rollback", "needs a venv built with CPython 3.12: venv_test.cc, both modes"},
      {"venv pull", "needs the harness registry and a venv image: build_verify_test.cc, --json"},
      {"venv closure", "needs a built venv and a root file system: venv_test.cc, both modes"},
  };


  std::set<std::string> covered;
  for (const auto& [name, arguments] : runs) covered.insert(name);
  for (const auto& command : leaf_commands()) {
    INFO("a command of `nanoforge --help` this test neither runs nor excuses: " << command);
    CHECK((covered.count(command) == 1 || not_run_here.count(command) == 1));
  }

  for (const auto& [name, arguments] : runs) {
    auto json = run(nanoforge_command(name + " --json " + arguments("json")) + " 2>/dev/null");
    {
      INFO(name << " --json printed:\n" << json.output);
      REQUIRE(json.exit_code == 0);
      nlohmann::json document;
      CHECK_NOTHROW(document = nlohmann::json::parse(json.output));  // one document, nothing after it
      CHECK_FALSE(document.is_null());
    }
    auto quiet = run(nanoforge_command(name + " --quiet " + arguments("quiet")));
    INFO(name << " --quiet printed (stdout and stderr):\n" << quiet.output);
    REQUIRE(quiet.exit_code == 0);
    CHECK(quiet.output.empty());
  }
}
