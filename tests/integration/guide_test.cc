// The user guide, README.docker.md, run as written: every command in it works on the real
// engines of the harness, so the document and the tool cannot drift apart.
//
// The convention the guide follows:
// - Every ```bash block is run, in document order, each as its own `bash -e -o pipefail`
//   script (a failing command fails the block), with stdin from /dev/null, in one deployment
//   directory holding a copy of the example project (examples/nanoforge.yaml, examples/gateway)
//   and the guide's scripts/. Other fences (```text, ```json, ```yaml, ```toml) are not commands.
// - `<!-- guide-test: skip REASON -->` on the line before a block (or before its other
//   annotations) keeps it out of the run. The blocks that cannot run here are listed below in
//   kNotRunnable; the test fails when the document's excluded set differs from that list, so
//   nothing is skipped silently.
// - `<!-- guide-test: expect TEXT -->` (any number, same place): the block's output (stdout
//   and stderr) must contain TEXT.
// - `<!-- guide-test: shows PATH -->` before a non-bash block (e.g. ```json): the block is
//   exactly the file PATH of the deployment directory as the blocks before it left it.
// - A guide-test comment anywhere else, or with another verb, is an error.
//
// The environment the blocks get: `nanoforge` (the binary under test) first in PATH,
// DOCKER_HOST and CONTAINERS_CONF of the harness, PIP_FIND_LINKS + PIP_NO_INDEX=1 (the offline
// wheelhouse, as the guide's step 0 tells users without PyPI to set), REGISTRY (the harness's
// registry, for the push/pull block) and NANOBOT_HOME (a single-instance Nanobot home made
// here, for the migration block). The shared download cache (~/.cache/nanoforge) is used, so
// the Debian packages are not fetched again.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "deploy/deployment.h"
#include "test_support.h"

using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

// The guide's blocks that do not run here (their first command line), in document order.
const std::vector<std::string> kNotRunnable = {
    "cp -r nanoforge/examples ~/nanobot-deploy",                      // the test makes the directory
    "export PIP_FIND_LINKS=\"$(pyenv prefix 3.12)/lib/python3.12/test\" PIP_NO_INDEX=1",  // set by the test
    "docker build -f Dockerfile.multi-instance -t nanobot:latest .",  // needs Docker Hub
    "./scripts/create-instance.sh alice 18790",                       // asks on a terminal
    "nano instances/alice/.env                 # API Key",            // an editor
    "OPENAI_API_KEY=sk-... ./scripts/create-instance.sh carol 18795 gpt-4o --soul expert",  // a real key
    "nanoforge logs -f alice",                                        // follows until Ctrl-C
    "docker exec -it nanobot-alice bash",                             // needs a terminal
};

// The host ports and container names the guide's instances use.
const std::vector<int> kGuidePorts = {18790, 18791, 18792, 18793, 18796, 18797, 18999, 18801, 18802, 18803, 18804};
const std::vector<std::string> kGuideContainers = {"nanobot-alice", "nanobot-bob", "nanobot-migrated", "nanobot-eve",
                                                   "nanobot-test-instance"};

struct GuideBlock {
  int line = 0;          // of the opening fence
  std::string section;   // the nearest heading above it
  std::string language;  // bash, json, text, ...
  std::string body;
  bool skipped = false;
  std::string skip_reason;
  std::vector<std::string> expected;
  std::string shows;  // for a non-bash block: the deployment file it reproduces

  bool runnable() const { return language == "bash" && !skipped; }
  // The first line that is not a comment: how kNotRunnable names a block.
  std::string first_command() const {
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line))
      if (!line.empty() && line[0] != '#') return line;
    return "";
  }
};

// Splits the guide into its bash blocks and the blocks that show a file, with their
// annotations; throws on a malformed or misplaced annotation.
std::vector<GuideBlock> parse_guide(const std::string& text) {
  static const std::regex annotation(R"(^<!-- guide-test: (\S+) (.+) -->$)");
  std::vector<GuideBlock> blocks;
  std::istringstream lines(text);
  std::string line, section;
  GuideBlock pending;
  bool have_pending = false, in_fence = false;
  int number = 0, annotation_line = 0;
  auto error = [&](const std::string& what, int at = 0) {
    return std::runtime_error("README.docker.md:" + std::to_string(at ? at : number) + ": " + what);
  };
  while (std::getline(lines, line)) {
    ++number;
    if (in_fence) {
      if (line.rfind("```", 0) == 0) {
        in_fence = false;
        if (pending.language == "bash" || !pending.shows.empty()) blocks.push_back(pending);
        pending = {}, have_pending = false;
      } else {
        pending.body += line + "\n";
      }
      continue;
    }
    if (line.rfind("```", 0) == 0) {
      in_fence = true;
      pending.language = line.substr(3);
      pending.line = number;
      pending.section = section;
      bool bash = pending.language == "bash";
      if (bash && !pending.shows.empty())
        throw error("'shows' is for a block that reproduces a file, not a ```bash block", annotation_line);
      if (!bash && (pending.skipped || !pending.expected.empty()))
        throw error("'skip' and 'expect' are for ```bash blocks, not ```" + pending.language, annotation_line);
      continue;
    }
    if (line.rfind("<!-- guide-test:", 0) == 0) {
      std::smatch match;
      if (!std::regex_match(line, match, annotation)) throw error("malformed annotation: " + line);
      if (match[1] == "skip") pending.skipped = true, pending.skip_reason = match[2];
      else if (match[1] == "expect") pending.expected.push_back(match[2]);
      else if (match[1] == "shows") pending.shows = match[2];
      else throw error("unknown guide-test verb '" + match[1].str() + "' (expected skip, expect or shows)");
      if (!have_pending) annotation_line = number;
      have_pending = true;
      continue;
    }
    if (have_pending) throw error("guide-test annotation not directly before a code block", annotation_line);
    if (line.rfind("#", 0) == 0) section = line;
  }
  if (in_fence) throw error("unterminated code block");
  if (have_pending) throw error("guide-test annotation at the end of the document", annotation_line);
  return blocks;
}

// A single-instance Nanobot home as Nanobot keeps it: config.json in its own schema with a
// key, a workspace with a soul, sessions.
void make_nanobot_home(const fs::path& home) {
  write_text(home / "config.json",
             "{\n  \"agents\": {\"defaults\": {\"model\": \"gpt-4o-mini\", \"workspace\": \"~/.nanobot/workspace\"}},\n"
             "  \"providers\": {\"openai\": {\"apiKey\": \"sk-guide-test-not-a-key\"}},\n"
             "  \"channels\": {\"telegram\": {\"enabled\": false, \"token\": \"123456:guide-test-telegram-token\"},\n"
             "               \"websocket\": {\"enabled\": true, \"host\": \"127.0.0.1\", \"port\": 8765,\n"
             "                             \"tokenIssueSecret\": \"guide-test-webui-secret\"}},\n"
             "  \"gateway\": {\"host\": \"127.0.0.1\", \"port\": 18790}\n}\n");
  write_text(home / "auth/github-copilot.json", "{\"token\": \"guide-test-oauth-token\"}\n");
  write_text(home / "cron/jobs.json", "{\"version\": 1, \"jobs\": []}\n");
  write_text(home / "workspace/SOUL.md", "# Soul: Migrated\n\nThe personality the single instance had.\n");
  write_text(home / "workspace/memory/MEMORY.md", "remembered before the migration\n");
  write_text(home / "sessions/cli_direct.jsonl", "{\"role\": \"user\", \"content\": \"hello\"}\n");
}

bool port_is_listening(int port) {
  return run("ss -Htln 'sport = :" + std::to_string(port) + "' | grep -q .").exit_code == 0;
}

}  // namespace

TEST_CASE("the guide's annotations are parsed strictly", "[guide]") {
  auto blocks = parse_guide(
      "## A\n```text\n<!-- guide-test: skip not a block -->\n```\n"
      "<!-- guide-test: expect hello -->\n<!-- guide-test: expect world -->\n```bash\n# say it\necho hello world\n```\n"
      "### B\n<!-- guide-test: skip needs a terminal -->\n```bash\ntop\n```\n```yaml\na: 1\n```\n");
  REQUIRE(blocks.size() == 2);  // the text and yaml blocks are not commands
  CHECK(blocks[0].section == "## A");
  CHECK(blocks[0].line == 7);
  CHECK(blocks[0].expected == std::vector<std::string>{"hello", "world"});
  CHECK(blocks[0].first_command() == "echo hello world");
  CHECK_FALSE(blocks[0].skipped);
  CHECK(blocks[1].skipped);
  CHECK(blocks[1].skip_reason == "needs a terminal");
  CHECK_THROWS_WITH(parse_guide("<!-- guide-test: expect x -->\ntext\n```bash\nls\n```\n"),
                    Catch::Contains(":1:") && Catch::Contains("not directly before"));
  CHECK_THROWS_WITH(parse_guide("<!-- guide-test: maybe x -->\n```bash\nls\n```\n"), Catch::Contains("unknown guide-test verb"));
  CHECK_THROWS_WITH(parse_guide("<!-- guide-test: skip x -->\n```json\n{}\n```\n"), Catch::Contains("```json"));
  CHECK_THROWS_WITH(parse_guide("<!-- guide-test: shows a.json -->\n```bash\nls\n```\n"), Catch::Contains("shows"));
  auto shown = parse_guide("<!-- guide-test: shows config/a.json -->\n```json\n{}\n```\n");
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].shows == "config/a.json");
  CHECK(shown[0].body == "{}\n");
  CHECK_FALSE(shown[0].runnable());
  CHECK_THROWS_WITH(parse_guide("```bash\nls\n"), Catch::Contains("unterminated"));
}

TEST_CASE("every command of README.docker.md works in order on the harness engines", "[guide][engines]") {
  auto blocks = parse_guide(read_text(source_dir() / "README.docker.md"));

  // The excluded set is exactly the known one, and small.
  std::vector<std::string> skipped;
  std::string runnable_text;
  std::size_t runnable = 0;
  for (const auto& block : blocks) {
    if (block.skipped) skipped.push_back(block.first_command());
    else if (block.runnable()) ++runnable, runnable_text += block.body;
  }
  CHECK(skipped == kNotRunnable);
  CHECK(runnable >= 4 * skipped.size());
  // Every wrapper script of the guide is run by some block.
  for (const char* script : {"setup-venv.sh", "update-venv.sh", "create-instance.sh", "start-all.sh", "stop-all.sh",
                             "status.sh"})
    CHECK_THAT(runnable_text, Catch::Contains(std::string("./scripts/") + script));

  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP("dockerd unavailable: " + harness.docker_unavailable);
  if (!harness.registry) NANOFORGE_SKIP("registry unavailable: " + harness.registry_unavailable);
  if (run("command -v docker-compose").exit_code != 0) NANOFORGE_SKIP("docker-compose is not installed");
  std::string wheelhouse = python312_wheelhouse();
  if (wheelhouse.empty()) NANOFORGE_SKIP("no CPython 3.12 install with setuptools/wheel wheels on this machine");
  const std::string docker = harness.docker();

  // The guide's fixed ports and container names must be free on this host and engine.
  for (int port : kGuidePorts) {
    INFO("port " << port << " is in use on this host; the guide's instances need it");
    REQUIRE_FALSE(port_is_listening(port));
  }
  for (const auto& name : kGuideContainers) {
    INFO("a container named " << name << " already exists on the harness's dockerd (another deployment?)");
    REQUIRE(run(docker + " container inspect " + name + " >/dev/null 2>&1").exit_code != 0);
  }

  TempDir scratch("nanoforge-guide");
  fs::path deployment = scratch / "nanobot-deploy";
  fs::create_directories(deployment);
  auto source = source_dir();
  auto copied = run("cp -r " + shell_quote((source / "examples/nanoforge.yaml").string()) + " " +
                    shell_quote((source / "examples/gateway").string()) + " " +
                    shell_quote((source / "scripts").string()) + " " + shell_quote(deployment.string()));
  REQUIRE(copied.exit_code == 0);
  make_nanobot_home(scratch / "nanobot-home");

  std::string environment =
      "cd " + shell_quote(deployment.string()) + " && env -u NANOFORGE -u NANOFORGE_ENGINE" +
      " PATH=" + shell_quote(fs::path(nanoforge_binary()).parent_path().string()) + ":\"$PATH\"" +
      " DOCKER_HOST=" + shell_quote(*harness.docker_host) +
      " CONTAINERS_CONF=" + shell_quote(harness.containers_conf.value_or("")) +
      " PIP_FIND_LINKS=" + shell_quote(wheelhouse) + " PIP_NO_INDEX=1" +
      " REGISTRY=" + shell_quote(*harness.registry) +
      " NANOBOT_HOME=" + shell_quote((scratch / "nanobot-home").string());

  // Whatever happens, leave no containers or networks of this deployment behind.
  const std::string project = nanoforge::deploy::project_name_for(deployment);
  struct Cleanup {
    std::string environment, docker, project, directory;
    ~Cleanup() {
      run(environment + " nanoforge down >/dev/null 2>&1");
      run(docker + " ps -aq --filter label=com.docker.compose.project.working_dir=" + shell_quote(directory) +
          " | xargs -r " + docker + " rm -f >/dev/null 2>&1");
      run(docker + " network ls -q --filter label=com.docker.compose.project=" + shell_quote(project) + " | xargs -r " +
          docker + " network rm >/dev/null 2>&1");
    }
  } cleanup{environment, docker, project, deployment.string()};

  auto started = std::chrono::steady_clock::now();
  int index = 0;
  for (const auto& block : blocks) {
    ++index;
    if (!block.shows.empty()) {
      // The document shows this file as the commands before it left it.
      INFO("README.docker.md:" << block.line << " (" << block.section << ") shows " << block.shows);
      REQUIRE(fs::exists(deployment / block.shows));
      CHECK(read_text(deployment / block.shows) == block.body);
      continue;
    }
    if (!block.runnable()) continue;
    fs::path script = scratch / ("block-" + std::to_string(index) + ".sh");
    write_text(script, block.body);
    auto begin = std::chrono::steady_clock::now();
    auto result = run(environment + " timeout 900 bash -e -o pipefail " + shell_quote(script.string()) + " </dev/null");
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    INFO("README.docker.md:" << block.line << " (" << block.section << "), " << seconds << " s\n"
                             << block.body << "--- output (exit " << result.exit_code << ") ---\n"
                             << result.output);
    if (seconds > 10) std::printf("guide: README.docker.md:%d (%s) took %.0f s\n", block.line, block.section.c_str(), seconds);
    REQUIRE(result.exit_code == 0);
    for (const auto& text : block.expected) CHECK_THAT(result.output, Catch::Contains(text));
  }
  auto minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 60;
  std::printf("guide: %zu blocks run in %.1f min, %zu not runnable here\n", runnable, minutes, skipped.size());

  // What the guide left running is what it said: alice, bob (restored) and the migrated instance.
  auto running = run(docker + " ps --format '{{.Names}}' --filter label=com.docker.compose.project.working_dir=" +
                     shell_quote(deployment.string()) + " | sort");
  CHECK(running.output == "nanobot-alice\nnanobot-bob\nnanobot-migrated\n");
  auto down = run(environment + " nanoforge down");
  INFO(down.output);
  CHECK(down.exit_code == 0);
  CHECK(run(docker + " ps -aq --filter label=com.docker.compose.project.working_dir=" + shell_quote(deployment.string()))
            .output.empty());
}
