#include "venv/python_source.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "base/digest.h"
#include "base/error.h"
#include "base/http_download.h"
#include "venv/process.h"

namespace nanoforge::venv {
namespace fs = std::filesystem;
namespace {

std::vector<int> version_numbers(const std::string& text) {
  std::vector<int> numbers;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('.', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) break;
    numbers.push_back(std::stoi(part));
    start = end + 1;
  }
  return numbers;
}

// "3.12" matches "3.12.1"; "3.12.1" matches only itself.
bool version_matches(const std::string& requested, const std::string& actual) {
  auto want = version_numbers(requested);
  auto have = version_numbers(actual);
  if (want.empty() || want.size() > have.size()) return false;
  return std::equal(want.begin(), want.end(), have.begin());
}

std::string major_minor_of(const std::string& version) {
  auto numbers = version_numbers(version);
  if (numbers.size() < 2) throw Error("Python version \"" + version + "\" is not of the form 3.12 or 3.12.1");
  return std::to_string(numbers[0]) + "." + std::to_string(numbers[1]);
}

std::string home() {
  const char* value = std::getenv("HOME");
  return value ? value : "";
}

// Newest version first among directories named like versions.
std::vector<fs::path> version_dirs(const fs::path& parent, const std::string& name_prefix,
                                   const std::string& version) {
  std::vector<std::pair<std::vector<int>, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(name_prefix, 0) != 0) continue;
    std::string rest = name.substr(name_prefix.size());
    std::string number = rest.substr(0, rest.find('-'));
    if (!version_matches(version, number)) continue;
    found.push_back({version_numbers(number), entry.path()});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<fs::path> result;
  for (auto& item : found) result.push_back(item.second);
  return result;
}

std::string sha256_hex(const std::string& text) {
  std::string hex = text;
  if (hex.rfind("sha256:", 0) == 0) hex = hex.substr(7);
  std::transform(hex.begin(), hex.end(), hex.begin(), ::tolower);
  if (!is_sha256_hex(hex))
    throw Error("--python-sha256 \"" + text + "\" is not a SHA-256 (64 hex digits)");
  return hex;
}

// Unpacks a python-build-standalone tarball with libarchive, refusing paths that escape.
void unpack_tarball(const fs::path& tarball, const fs::path& destination) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_all(reader.get());
  if (archive_read_open_filename(reader.get(), tarball.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error("cannot open Python tarball " + tarball.string() + ": " + archive_error_string(reader.get()));
  std::unique_ptr<archive, decltype(&archive_write_free)> writer(archive_write_disk_new(), archive_write_free);
  // Entries are placed under `root` by prefixing their names (no chdir in a library), so the
  // absolute-path guard is ours: names must be relative and free of "..".
  archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                   ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                   ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  const fs::path root = fs::canonical(destination);
  auto check_name = [&](const std::string& name) {
    bool escapes = name.empty() || name.front() == '/';
    for (const auto& part : fs::path(name)) escapes = escapes || part == "..";
    if (escapes) throw Error("Python tarball " + tarball.string() + ": entry \"" + name + "\" escapes the unpack directory");
  };
  archive_entry* entry = nullptr;
  for (;;) {
    int rc = archive_read_next_header(reader.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      throw Error("Python tarball " + tarball.string() + ": " + archive_error_string(reader.get()));
    std::string name = archive_entry_pathname(entry);
    check_name(name);
    archive_entry_set_pathname(entry, (root / name).c_str());
    if (const char* link = archive_entry_hardlink(entry)) {
      check_name(link);
      archive_entry_set_hardlink(entry, (root / link).c_str());
    }
    if (archive_write_header(writer.get(), entry) != ARCHIVE_OK)
      throw Error("Python tarball " + tarball.string() + ": cannot unpack " + name + ": " +
                  archive_error_string(writer.get()));
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while ((rc = archive_read_data_block(reader.get(), &block, &size, &offset)) == ARCHIVE_OK)
      if (archive_write_data_block(writer.get(), block, size, offset) != ARCHIVE_OK)
        throw Error("Python tarball " + tarball.string() + ": writing " + name + ": " +
                    archive_error_string(writer.get()));
    if (rc != ARCHIVE_EOF)
      throw Error("Python tarball " + tarball.string() + ": reading " + name + ": " +
                  archive_error_string(reader.get()));
    archive_write_finish_entry(writer.get());
  }
}

// The prefix inside an unpacked tarball: "python/" for install_only, else the single top dir.
fs::path prefix_in(const fs::path& unpacked) {
  if (fs::is_directory(unpacked / "python" / "bin")) return unpacked / "python";
  if (fs::is_directory(unpacked / "bin")) return unpacked;
  for (const auto& entry : fs::directory_iterator(unpacked))
    if (fs::is_directory(entry.path() / "bin")) return entry.path();
  throw Error("Python tarball unpacked at " + unpacked.string() +
              " holds no python/bin directory (expected a python-build-standalone install_only tarball)");
}

PythonInstall from_tarball(const PythonRequest& request, const fs::path& cache_dir,
                           const ProgressCallback& progress) {
  if (request.tarball_sha256.empty())
    throw Error("--python-tarball " + request.tarball + " needs its SHA-256 (--python-sha256)");
  std::string hex = sha256_hex(request.tarball_sha256);
  fs::path cache = cache_dir / "python";
  fs::path unpacked = cache / hex;
  if (!fs::is_directory(unpacked)) {
    fs::create_directories(cache);
    fs::path tarball;
    bool is_url = request.tarball.find("://") != std::string::npos;
    if (is_url) {
      tarball = cache / (hex + ".tar");
      if (!fs::exists(tarball)) {
        DownloadRequest download;
        download.url = request.tarball;
        download.destination = tarball;
        download.expected = Digest{"sha256", hex};
        download_file(download, progress);
      }
    } else {
      tarball = request.tarball;
      if (!fs::is_regular_file(tarball)) throw Error("Python tarball " + tarball.string() + " does not exist");
    }
    // Verify, then trust: a cached or local file is checked again before it is unpacked.
    auto actual = sha256_of_file(tarball);
    if (actual.hex != hex)
      throw Error("Python tarball " + request.tarball + " has SHA-256 " + actual.hex + ", expected " + hex);
    fs::path partial = cache / (hex + ".partial-" + std::to_string(::getpid()));
    fs::remove_all(partial);
    fs::create_directories(partial);
    try {
      unpack_tarball(tarball, partial);
      fs::rename(partial, unpacked);
    } catch (...) {
      std::error_code ec;
      fs::remove_all(partial, ec);
      throw;
    }
    if (is_url) fs::remove(tarball);
  }
  PythonInstall install = inspect_prefix(prefix_in(unpacked), request.tarball);
  install.sha256 = hex;
  return install;
}

void require_version(const PythonRequest& request, const PythonInstall& install) {
  if (!version_matches(request.version, install.version))
    throw Error("Python at " + install.prefix.string() + " (" + install.source + ") is " +
                install.version + ", but " + request.version + " was requested");
}

}  // namespace

PythonInstall inspect_prefix(const fs::path& prefix, const std::string& source) {
  if (!fs::is_directory(prefix / "bin"))
    throw Error("Python prefix " + prefix.string() + " has no bin/ directory");
  fs::path executable;
  for (const char* name : {"python3", "python"})
    if (fs::exists(prefix / "bin" / name)) {
      executable = prefix / "bin" / name;
      break;
    }
  if (executable.empty()) throw Error("Python prefix " + prefix.string() + " has no bin/python3");
  std::string output;
  try {
    output = run_checked("running " + executable.string(),
                         {executable.string(), "-E", "-s", "-S", "-c",
                          "import sys; print('%d.%d.%d' % sys.version_info[:3])"});
  } catch (const Error& error) {
    throw Error(std::string("Python prefix ") + prefix.string() + " has no working interpreter: " + error.what());
  }
  PythonInstall install;
  install.prefix = prefix;
  install.version = output.substr(0, output.find('\n'));
  install.major_minor = major_minor_of(install.version);
  install.source = source;
  if (!fs::exists(install.executable()))
    throw Error("Python prefix " + prefix.string() + " has no " + install.executable().string());
  if (!fs::is_directory(prefix / "lib" / ("python" + install.major_minor) / "encodings"))
    throw Error("Python prefix " + prefix.string() + " has no standard library at lib/python" +
                install.major_minor);
  // The interpreter's identity: its binary and libpython, whichever exist.
  Sha256 identity;
  identity.update(sha256_of_file(fs::canonical(install.executable())).hex);
  fs::path libpython = prefix / "lib" / ("libpython" + install.major_minor + ".so.1.0");
  if (fs::exists(libpython)) identity.update(sha256_of_file(libpython).hex);
  install.sha256 = identity.finish().hex;
  return install;
}

std::vector<fs::path> candidate_prefixes(const std::string& version) {
  std::string mm = major_minor_of(version);
  std::vector<fs::path> result;
  const char* pyenv_root = std::getenv("PYENV_ROOT");
  fs::path pyenv = pyenv_root && *pyenv_root ? fs::path(pyenv_root) : fs::path(home()) / ".pyenv";
  for (auto& dir : version_dirs(pyenv / "versions", "", version)) result.push_back(dir);
  fs::path uv;
  if (const char* dir = std::getenv("UV_PYTHON_INSTALL_DIR"); dir && *dir) uv = dir;
  else if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data) uv = fs::path(data) / "uv" / "python";
  else uv = fs::path(home()) / ".local" / "share" / "uv" / "python";
  for (auto& dir : version_dirs(uv, "cpython-", version)) result.push_back(dir);
  for (const char* prefix : {"/usr/local", "/usr"})
    if (fs::exists(fs::path(prefix) / "bin" / ("python" + mm))) result.push_back(prefix);
  return result;
}

PythonInstall provide_python(const PythonRequest& request, const fs::path& cache_dir,
                             const ProgressCallback& progress) {
  major_minor_of(request.version);  // validates the request
  if (!request.prefix.empty()) {
    auto install = inspect_prefix(request.prefix, "--python " + request.prefix.string());
    require_version(request, install);
    return install;
  }
  if (!request.tarball.empty()) {
    auto install = from_tarball(request, cache_dir, progress);
    require_version(request, install);
    return install;
  }
  std::string tried;
  for (const auto& prefix : candidate_prefixes(request.version)) {
    try {
      auto install = inspect_prefix(prefix, "found " + prefix.string());
      if (version_matches(request.version, install.version)) return install;
      tried += "\n  " + prefix.string() + ": is " + install.version;
    } catch (const Error& error) {
      tried += "\n  " + prefix.string() + ": " + error.what();
    }
  }
  throw Error("no CPython " + request.version + " available. Provide one in any of three ways:\n"
              "  1. --python PREFIX: an installed CPython " + request.version + " prefix (pyenv, /usr/local, ...)\n"
              "  2. install one where nanoforge looks: pyenv ($PYENV_ROOT or ~/.pyenv/versions), uv "
              "(~/.local/share/uv/python), /usr/local/bin/python" + major_minor_of(request.version) +
              ", /usr/bin/python" + major_minor_of(request.version) + "\n"
              "  3. --python-tarball URL|PATH --python-sha256 HEX: a python-build-standalone install_only tarball" +
              (tried.empty() ? std::string() : "\nInterpreters found but not usable:" + tried));
}

}  // namespace nanoforge::venv
