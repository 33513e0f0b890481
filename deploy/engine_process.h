// Running the engine's command-line tools: argv in, exit code and output back. No shell, so
// instance names and paths are never re-parsed.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace nanoforge::deploy {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (searched in PATH) in `directory`, capturing stdout and stderr.
ProcessResult run_captured(const std::vector<std::string>& argv, const std::filesystem::path& directory = {});
// Runs with the terminal attached (logs -f, compose up output); returns the exit code.
int run_attached(const std::vector<std::string>& argv, const std::filesystem::path& directory = {});
// True when `program` is an executable in PATH.
bool program_in_path(const std::string& program);
// "docker compose up -d" for messages.
std::string join_command(const std::vector<std::string>& argv);

}  // namespace nanoforge::deploy
