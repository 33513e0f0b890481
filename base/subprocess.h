// Running another program (gpgv, ldconfig, pip, docker, podman) without a shell, capturing
// what it prints. Arguments are passed as a vector, so nothing is ever re-parsed by sh.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nanoforge {

struct ProcessOptions {
  std::map<std::string, std::string> environment;  // added to (or replacing in) the inherited one
  std::vector<std::string> unset_environment;      // removed from the inherited one
  std::filesystem::path working_directory;         // empty: the current one
  std::optional<std::string> input;                // fed to stdin; otherwise stdin is /dev/null
  bool inherit_input = false;                      // (without `input`) the child reads our stdin: a terminal
  bool merge_stderr = false;                       // stderr into `output`
  bool inherit_output = false;                     // let the child print straight to our stdout/stderr
  int timeout_seconds = 0;                         // 0: none; on expiry the child's process group is killed
};

// A short command's options: stderr merged into its output (or not), killed after
// `timeout_seconds`. (Designated initializers read as well, but GCC 12 warns about every
// field they leave out.)
inline ProcessOptions within_seconds(int timeout_seconds, bool merge_stderr = true) {
  ProcessOptions options;
  options.merge_stderr = merge_stderr;
  options.timeout_seconds = timeout_seconds;
  return options;
}

struct ProcessResult {
  int exit_code = -1;     // 128 + signal when killed by one
  std::string output;     // stdout (and stderr with merge_stderr)
  std::string errors;     // stderr
  bool timed_out = false;
  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs argv[0] (looked up on PATH) with the rest as arguments. With a timeout the child runs in
// a process group of its own, so the whole tree it started is killed on expiry; without one it
// stays in ours, so Ctrl-C at a terminal reaches it (`logs -f`). Throws nanoforge::Error only
// when the program cannot be started at all ("gpgv: not found ..."); a non-zero exit is a result.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// True when `program` is found on PATH (or is an executable path).
bool program_exists(const std::string& program);

// `argv` as one line for messages, each word that a shell would split or expand in single
// quotes: {"docker","compose","up","-d"} -> "docker compose up -d".
std::string join_command(const std::vector<std::string>& argv);

}  // namespace nanoforge
