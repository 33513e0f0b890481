// Interpreter provisioning: explicit prefixes, version checks, tarball verification, and
// the error that lists the ways to provide an interpreter.
#include "venv/python_source.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "base/digest.h"
#include "base/error.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::venv;
using namespace nanoforge::testing;

namespace {
std::string local_prefix() {
  auto result = run("pyenv prefix 3.12.1 2>/dev/null");
  return result.exit_code == 0 ? result.output.substr(0, result.output.find('\n')) : "";
}
}  // namespace

TEST_CASE("an explicit prefix is inspected and its version checked", "[python]") {
  auto prefix = local_prefix();
  if (prefix.empty()) NANOFORGE_SKIP("no CPython 3.12 install (pyenv prefix 3.12.1)");
  TempDir cache;
  PythonRequest request;
  request.prefix = prefix;
  auto install = provide_python(request, cache.path());
  CHECK_THAT(install.version, Catch::StartsWith("3.12."));
  CHECK(install.major_minor == "3.12");
  CHECK(install.executable() == std::filesystem::path(prefix) / "bin/python3.12");
  CHECK(install.sha256.size() == 64);
  CHECK(install.source == "--python " + prefix);
  // Same interpreter, same identity.
  CHECK(provide_python(request, cache.path()).sha256 == install.sha256);

  request.version = "3.11";
  CHECK_THROWS_WITH(provide_python(request, cache.path()),
                    Catch::Contains(prefix) && Catch::Contains("but 3.11 was requested"));
}

TEST_CASE("a prefix that is not a CPython install is refused by name", "[python]") {
  TempDir dir;
  PythonRequest request;
  request.prefix = dir.path();
  CHECK_THROWS_WITH(provide_python(request, dir.path()), Catch::Contains(dir.path().string()) && Catch::Contains("bin/"));
  request.prefix = "/nonexistent/python";
  CHECK_THROWS_WITH(provide_python(request, dir.path()), Catch::Contains("/nonexistent/python"));
}

TEST_CASE("discovery finds pyenv's 3.12 and nothing of another version", "[python]") {
  if (local_prefix().empty()) NANOFORGE_SKIP("no CPython 3.12 install (pyenv prefix 3.12.1)");
  auto candidates = candidate_prefixes("3.12");
  REQUIRE_FALSE(candidates.empty());
  for (const auto& prefix : candidates) CHECK(std::filesystem::exists(prefix / "bin/python3.12"));
  CHECK(candidate_prefixes("3.12.99").empty());
}

TEST_CASE("a tarball is verified against its SHA-256 before use", "[python]") {
  TempDir dir;
  write_text(dir / "python.tar.gz", "not really a tarball");
  PythonRequest request;
  request.tarball = (dir / "python.tar.gz").string();
  CHECK_THROWS_WITH(provide_python(request, dir / "cache"), Catch::Contains("needs its SHA-256"));
  request.tarball_sha256 = "abc";
  CHECK_THROWS_WITH(provide_python(request, dir / "cache"), Catch::Contains("not a SHA-256"));
  request.tarball_sha256 = std::string(64, '0');
  CHECK_THROWS_WITH(provide_python(request, dir / "cache"),
                    Catch::Contains("has SHA-256 " + sha256_of_file(dir / "python.tar.gz").hex) &&
                        Catch::Contains("expected " + std::string(64, '0')));
  CHECK_FALSE(std::filesystem::exists(dir / "cache" / "python" / std::string(64, '0')));
  // The right digest of a file that is not a tarball: an error from the unpacker, nothing cached.
  request.tarball_sha256 = sha256_of_file(dir / "python.tar.gz").hex;
  CHECK_THROWS_AS(provide_python(request, dir / "cache"), Error);
  CHECK_FALSE(std::filesystem::exists(dir / "cache" / "python" / request.tarball_sha256));
}

TEST_CASE("with no interpreter anywhere, the error lists the three ways", "[python]") {
  if (std::filesystem::exists("/usr/local/bin/python3.12") || std::filesystem::exists("/usr/bin/python3.12"))
    NANOFORGE_SKIP("this machine has a system python3.12");
  TempDir dir;
  std::string saved_home = std::getenv("HOME") ? std::getenv("HOME") : "";
  const char* saved_pyenv = std::getenv("PYENV_ROOT");
  std::string saved_pyenv_value = saved_pyenv ? saved_pyenv : "";
  setenv("HOME", dir.path().c_str(), 1);
  setenv("PYENV_ROOT", dir.path().c_str(), 1);
  unsetenv("UV_PYTHON_INSTALL_DIR");
  unsetenv("XDG_DATA_HOME");
  PythonRequest request;
  std::string message;
  try {
    provide_python(request, dir / "cache");
  } catch (const Error& error) {
    message = error.what();
  }
  setenv("HOME", saved_home.c_str(), 1);
  if (saved_pyenv) setenv("PYENV_ROOT", saved_pyenv_value.c_str(), 1);
  else unsetenv("PYENV_ROOT");
  CHECK_THAT(message, Catch::Contains("no CPython 3.12 available") && Catch::Contains("--python PREFIX") &&
                          Catch::Contains("pyenv") && Catch::Contains("uv") &&
                          Catch::Contains("--python-tarball URL|PATH --python-sha256"));
}
