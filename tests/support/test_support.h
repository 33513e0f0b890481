// Helpers shared by the test programs: running commands, temporary directories, and the
// real components the harness started (dockerd, Podman, a registry).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "base/local_port.h"

namespace nanoforge::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh -c, capturing stdout and stderr.
CommandResult run(const std::string& command);

// Runs `command` with /bin/sh -c; stdout and stderr apart (the output contract: results on
// stdout, messages on stderr).
struct SplitResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
SplitResult run_split(const std::string& command);

// The CLI's output contract (cli_output_test.cc runs it for every command it can run alone;
// the engine and registry tests for the rest): `--json` prints exactly one JSON document on
// stdout, nothing before or after it. Returns "" when `out` is one, else what is wrong.
std::string not_one_json_document(const std::string& out);

// Quotes a word for /bin/sh.
std::string shell_quote(const std::string& word);

// A fresh directory under $TMPDIR, removed (recursively) on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "nanoforge-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

// A TCP port on 127.0.0.1 that was free a moment ago (base/local_port.h).
using nanoforge::free_local_port;

// The nanoforge binary under test and the source tree.
std::string nanoforge_binary();
std::filesystem::path source_dir();

// The directory where a CPython 3.12 install keeps the setuptools and wheel wheels it ships
// (lib/python3.12/test/): the offline wheelhouse the example builds with. Found at run time
// (pyenv, ~/.pyenv, /usr/local, /usr); empty when this machine has none.
std::string python312_wheelhouse();

// What tests/harness/harness.sh started, read from its env file.
struct Harness {
  std::optional<std::string> docker_host;      // "unix:///.../docker.sock"
  std::string docker_unavailable;
  std::optional<std::string> containers_conf;  // for CONTAINERS_CONF
  std::string podman_unavailable;
  std::optional<std::string> registry;         // "127.0.0.1:PORT"
  std::string registry_unavailable;
  static const Harness& get();
  // "DOCKER_HOST=... docker" / "CONTAINERS_CONF=... podman"
  std::string docker() const;
  std::string podman() const;
};

// Prints "SKIPPED: <reason>" (ctest marks the test skipped on that line) and returns.
#define NANOFORGE_SKIP(reason)                                   \
  do {                                                           \
    std::string nanoforge_skip_reason = (reason);                \
    WARN("SKIPPED: " << nanoforge_skip_reason);                  \
    std::printf("SKIPPED: %s\n", nanoforge_skip_reason.c_str()); \
    return;                                                      \
  } while (false)

}  // namespace nanoforge::testing
