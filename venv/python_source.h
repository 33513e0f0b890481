// Where the venv's CPython comes from: an installed prefix named by the user, one found on
// the machine (pyenv, uv, /usr/local, /usr), or a python-build-standalone `install_only`
// tarball given by URL or path and its SHA-256 (verified before use, cached by digest).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "base/progress.h"

namespace nanoforge::venv {

struct PythonRequest {
  std::string version = "3.12";       // "3.12" or "3.12.1": a prefix of the interpreter's version
  std::filesystem::path prefix;       // --python PREFIX: an installed CPython
  std::string tarball;                // --python-tarball URL or path (python-build-standalone)
  std::string tarball_sha256;         // hex SHA-256 of the tarball; required with `tarball`
};

struct PythonInstall {
  std::filesystem::path prefix;       // holds bin/pythonX.Y and lib/pythonX.Y
  std::string version;                // "3.12.1"
  std::string major_minor;            // "3.12"
  std::string source;                 // "--python /p", "pyenv /root/.pyenv/versions/3.12.1", URL
  std::string sha256;                 // tarball digest, or of the interpreter binary + libpython
  std::filesystem::path executable() const { return prefix / "bin" / ("python" + major_minor); }
};

// Resolves the request: an explicit prefix or tarball when given, else the first matching
// interpreter on the machine. Throws nanoforge::Error on a version mismatch, a bad digest,
// or when nothing is available (the message lists the three ways to provide one).
PythonInstall provide_python(const PythonRequest& request, const std::filesystem::path& cache_dir,
                             const ProgressCallback& progress = {});

// Interpreters found on this machine, best first, without checking their version.
std::vector<std::filesystem::path> candidate_prefixes(const std::string& version);

// Checks an installed prefix: runs its interpreter for the version and hashes it.
PythonInstall inspect_prefix(const std::filesystem::path& prefix, const std::string& source);

}  // namespace nanoforge::venv
