// The one process runner: arguments never re-parsed by a shell, output captured apart or
// merged, a time limit that stops the whole process tree, and commands shown quoted.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "base/error.h"
#include "base/subprocess.h"
#include "test_support.h"

using namespace nanoforge;

TEST_CASE("run_process passes arguments verbatim and keeps stdout and stderr apart", "[subprocess]") {
  auto result = run_process({"sh", "-c", "printf '%s|' \"$@\"; echo oops >&2", "sh", "a b", "$HOME", "'q'"});
  REQUIRE(result.ok());
  REQUIRE(result.output == "a b|$HOME|'q'|");
  REQUIRE(result.errors == "oops\n");
}

TEST_CASE("run_process merges stderr, feeds input and runs in the working directory", "[subprocess]") {
  nanoforge::testing::TempDir dir;
  ProcessOptions options = within_seconds(10);
  options.input = "from stdin";
  options.working_directory = dir.path();
  auto result = run_process({"sh", "-c", "cat; echo; pwd >&2"}, options);
  REQUIRE(result.ok());
  REQUIRE(result.output == "from stdin\n" + std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST_CASE("run_process stops a command and its children at the time limit", "[subprocess]") {
  auto started = std::chrono::steady_clock::now();
  // The grandchild holds the output pipe open: only killing the process group ends the read.
  auto result = run_process({"sh", "-c", "sleep 30 & sleep 30"}, within_seconds(1));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(result.timed_out);
  REQUIRE_FALSE(result.ok());
  REQUIRE(seconds < 10);
}

TEST_CASE("run_process reports a non-zero exit as a result and a missing program as an error", "[subprocess]") {
  REQUIRE(run_process({"sh", "-c", "exit 3"}).exit_code == 3);
  REQUIRE_THROWS_WITH(run_process({"no-such-program-nanoforge"}), Catch::Contains("no-such-program-nanoforge: not found"));
  REQUIRE(program_exists("sh"));
  REQUIRE_FALSE(program_exists("no-such-program-nanoforge"));
}

TEST_CASE("join_command quotes every word a shell would split or expand", "[subprocess]") {
  REQUIRE(join_command({"docker", "compose", "up", "-d"}) == "docker compose up -d");
  REQUIRE(join_command({"echo", "a b", "$HOME", "it's", ""}) == "echo 'a b' '$HOME' 'it'\\''s' ''");
  // What join_command prints, pasted into sh, gives back the same words.
  std::vector<std::string> words{"x y", "$(id)", "a'b\"c", "*", "tab\there"};
  std::vector<std::string> argv{"printf", "%s\\n"};
  argv.insert(argv.end(), words.begin(), words.end());
  auto result = run_process({"sh", "-c", join_command(argv)});
  REQUIRE(result.output == "x y\n$(id)\na'b\"c\n*\ntab\there\n");
}
