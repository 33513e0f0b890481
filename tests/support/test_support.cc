#include "test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace nanoforge::testing {

namespace fs = std::filesystem;

CommandResult run(const std::string& command) {
  std::string wrapped = "( " + command + " ) 2>&1";
  FILE* pipe = ::popen(wrapped.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed for: " + command);
  CommandResult result;
  char buffer[65536];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

SplitResult run_split(const std::string& command) {
  // stderr to a temporary file while stdout comes through the pipe.
  char err_path[] = "/tmp/nanoforge-stderr-XXXXXX";
  int fd = ::mkstemp(err_path);
  if (fd < 0) throw std::runtime_error("mkstemp failed for: " + command);
  ::close(fd);
  auto piped = run("( " + command + " ) 2>" + shell_quote(err_path));
  SplitResult result{piped.exit_code, piped.output, read_text(err_path)};
  ::unlink(err_path);
  return result;
}

std::string not_one_json_document(const std::string& out) {
  if (out.empty()) return "stdout is empty";
  try {
    auto document = nlohmann::json::parse(out);  // throws on anything after the document
    if (document.is_null()) return "stdout holds null";
  } catch (const nlohmann::json::exception& error) {
    return std::string("stdout is not one JSON document: ") + error.what();
  }
  return "";
}

std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') quoted += "'\\''";
    else quoted += c;
  }
  return quoted + "'";
}

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  fs::path root = base && *base ? base : "/tmp";
  std::mt19937_64 generator{std::random_device{}()};
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::ostringstream name;
    name << prefix << "-" << std::hex << generator();
    fs::path candidate = root / name.str();
    if (fs::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory under " + root.string());
}

TempDir::~TempDir() {
  std::error_code error;
  // Files made read-only by the code under test must still go.
  run("chmod -R u+w " + shell_quote(path_.string()) + " 2>/dev/null");
  fs::remove_all(path_, error);
}

void write_text(const fs::path& path, const std::string& text) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string nanoforge_binary() { return NANOFORGE_BINARY; }
fs::path source_dir() { return NANOFORGE_SOURCE_DIR; }

std::string python312_wheelhouse() {
  auto found = run("for d in \"$(pyenv prefix 3.12 2>/dev/null)\" \"$HOME\"/.pyenv/versions/3.12* /usr/local /usr; do "
                   "ls \"$d\"/lib/python3.12/test/setuptools-*.whl >/dev/null 2>&1 && { echo \"$d/lib/python3.12/test\"; break; }; done");
  return found.output.substr(0, found.output.find('\n'));
}

namespace {
std::string unquote(std::string value) {
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
    return value.substr(1, value.size() - 2);
  return value;
}
}  // namespace

const Harness& Harness::get() {
  static const Harness harness = [] {
    Harness result;
    const char* dir = std::getenv("NANOFORGE_HARNESS_DIR");
    fs::path env_file = fs::path(dir && *dir ? dir : "/tmp/nanoforge-harness") / "env";
    std::ifstream in(env_file);
    std::string missing = "the test harness did not run (no " + env_file.string() +
                          "; run the tests through ctest)";
    result.docker_unavailable = result.podman_unavailable = result.registry_unavailable = missing;
    std::string line;
    while (std::getline(in, line)) {
      auto equals = line.find('=');
      if (equals == std::string::npos) continue;
      auto key = line.substr(0, equals);
      auto value = unquote(line.substr(equals + 1));
      if (key == "NANOFORGE_DOCKER_HOST") result.docker_host = value;
      else if (key == "NANOFORGE_DOCKER_UNAVAILABLE") result.docker_unavailable = value;
      else if (key == "NANOFORGE_CONTAINERS_CONF") result.containers_conf = value;
      else if (key == "NANOFORGE_PODMAN_UNAVAILABLE") result.podman_unavailable = value;
      else if (key == "NANOFORGE_REGISTRY") result.registry = value;
      else if (key == "NANOFORGE_REGISTRY_UNAVAILABLE") result.registry_unavailable = value;
    }
    return result;
  }();
  return harness;
}

std::string Harness::docker() const {
  return "env DOCKER_HOST=" + shell_quote(docker_host.value_or("")) + " docker";
}
std::string Harness::podman() const {
  return "env CONTAINERS_CONF=" + shell_quote(containers_conf.value_or("")) + " podman";
}


}  // namespace nanoforge::testing
