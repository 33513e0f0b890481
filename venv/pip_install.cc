#include "venv/pip_install.h"

#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "base/atomic_file.h"
#include "base/container_contract.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/url.h"
#include "venv/elf.h"
#include "venv/project_files.h"
#include "venv/process.h"
#include "venv/scripts.h"

namespace nanoforge::venv {
namespace fs = std::filesystem;
namespace {

// The environment every venv python run gets: nothing from the user's Python setup leaks in.
ProcessOptions python_environment(const PipOptions* pip = nullptr) {
  ProcessOptions options;
  options.unset_environment = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV",
                               "PIP_USER", "PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_REQUIRE_VIRTUALENV",
                               "__PYVENV_LAUNCHER__"};
  options.environment = {{"PYTHONNOUSERSITE", "1"}, {"PYTHONDONTWRITEBYTECODE", "1"},
                         {"PIP_DISABLE_PIP_VERSION_CHECK", "1"}, {"PIP_NO_INPUT", "1"}};
  if (pip) {
    if (pip->cache_dir.empty()) options.environment["PIP_NO_CACHE_DIR"] = "1";
    else options.environment["PIP_CACHE_DIR"] = pip->cache_dir.string();
    if (!pip->proxy.empty())
      for (const char* name : {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"})
        options.environment[name] = pip->proxy;
    for (const auto& [name, value] : pip->build_env) options.environment[name] = value;
  }
  return options;
}

std::string python_of(const fs::path& venv_dir, const std::string& major_minor) {
  return (venv_dir / "bin" / ("python" + major_minor)).string();
}

fs::path site_packages(const fs::path& venv_dir, const std::string& major_minor) {
  return venv_dir / "lib" / ("python" + major_minor) / "site-packages";
}

// The project as its build sees it: the same files the venv's key covers (project_files.h)
// and the untracked ones git would ignore, without build junk and nanoforge's own state.
void copy_project(const fs::path& from, const fs::path& to, const std::vector<fs::path>& excluded) {
  fs::create_directories(to);
  for (const auto& relative : walk_project_files(from, excluded)) {
    fs::path source = from / relative, target = to / relative;
    fs::create_directories(target.parent_path());
    if (fs::is_symlink(fs::symlink_status(source))) fs::create_symlink(fs::read_symlink(source), target);
    else fs::copy_file(source, target);
  }
}

std::vector<std::string> pip_command(const fs::path& venv_dir, const std::string& mm, const PipOptions& pip) {
  std::vector<std::string> argv = {python_of(venv_dir, mm), "-m", "pip", "install", "--no-compile",
                                   "--no-warn-script-location", "--progress-bar", "off"};
  if (!pip.index_url.empty()) argv.insert(argv.end(), {"--index-url", pip.index_url});
  for (const auto& url : pip.extra_index_urls) argv.insert(argv.end(), {"--extra-index-url", url});
  for (const auto& link : pip.find_links) argv.insert(argv.end(), {"--find-links", link});
  if (pip.no_index) argv.push_back("--no-index");
  return argv;
}

// RECORD's hash form: "sha256=" + urlsafe base64 without padding.
std::string record_hash(const fs::path& file) {
  std::string hex = sha256_of_file(file).hex;
  unsigned char raw[32];
  for (int i = 0; i < 32; ++i) raw[i] = static_cast<unsigned char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  unsigned char encoded[64] = {};
  int length = EVP_EncodeBlock(encoded, raw, 32);
  std::string text(reinterpret_cast<char*>(encoded), static_cast<std::size_t>(length));
  while (!text.empty() && text.back() == '=') text.pop_back();
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return "sha256=" + text;
}

// Removes one file of an installed distribution and its line in RECORD.
void remove_recorded_file(const fs::path& dist_info, const std::string& file_name) {
  std::error_code ec;
  if (!fs::remove(dist_info / file_name, ec)) return;
  std::string record = read_file(dist_info / "RECORD");
  std::istringstream in(record);
  std::string line, kept;
  std::string needle = dist_info.filename().string() + "/" + file_name + ",";
  while (std::getline(in, line))
    if (line.rfind(needle, 0) != 0) kept += line + "\n";
  write_file_atomically(dist_info / "RECORD", kept);
}

}  // namespace

fs::path site_packages_of(const fs::path& venv_dir) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(venv_dir / "lib", error))
    if (fs::is_directory(entry.path() / "site-packages")) return entry.path() / "site-packages";
  throw Error("venv " + venv_dir.string() + " has no lib/pythonX.Y/site-packages");
}

fs::path find_dist_info(const fs::path& site, const std::string& name) {
  std::string wanted = normalize_distribution_name(name);
  for (const auto& entry : fs::directory_iterator(site)) {
    auto dir = entry.path().filename().string();
    if (dir.size() < 10 || dir.substr(dir.size() - 10) != ".dist-info") continue;
    if (normalize_distribution_name(dir.substr(0, dir.find('-'))) == wanted) return entry.path();
  }
  return {};
}

std::string normalize_distribution_name(const std::string& name) {
  std::string result;
  for (char c : name) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == '_' || lower == '.' || lower == '-') {
      if (result.empty() || result.back() != '-') result += '-';
    } else {
      result += lower;
    }
  }
  return result;
}

void install_pip(const fs::path& venv_dir, const std::string& mm, const fs::path& source_prefix,
                 const ProgressCallback& progress) {
  fs::path bundled = source_prefix / "lib" / ("python" + mm) / "ensurepip" / "_bundled";
  fs::path wheel;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(bundled, ec))
    if (entry.path().filename().string().rfind("pip-", 0) == 0 && entry.path().extension() == ".whl")
      wheel = entry.path();
  if (wheel.empty())
    throw Error("the source interpreter at " + source_prefix.string() + " bundles no pip wheel in " +
                bundled.string() + " (ensurepip); cannot give the venv its own pip");
  if (progress) progress({"install pip " + wheel.filename().string(), 0, 0, "steps"});
  // A pip wheel runs pip from inside itself: "python pip.whl/pip install pip.whl".
  run_checked("installing pip from " + wheel.string(),
              {python_of(venv_dir, mm), (wheel / "pip").string(), "install", "--no-index", "--no-deps",
               "--no-compile", "--no-warn-script-location", "--disable-pip-version-check", wheel.string()},
              python_environment());
  // direct_url.json names the source interpreter's bundled wheel: no path of the build machine stays.
  auto dist_info = find_dist_info(site_packages(venv_dir, mm), "pip");
  if (!dist_info.empty()) remove_recorded_file(dist_info, "direct_url.json");
}

InstalledProject install_project(const fs::path& venv_dir, const std::string& mm, const ProjectInstall& project,
                                 const PipOptions& pip, const ProgressCallback& progress) {
  if (!fs::is_regular_file(project.project_dir / "pyproject.toml"))
    throw Error("project directory " + project.project_dir.string() + " has no pyproject.toml");
  fs::path source = project.scratch_dir / "project";
  fs::remove_all(source);
  copy_project(project.project_dir, source, project.excluded);
  build_webui(source, project.webui, project.npm_cache, pip.proxy, progress);

  std::string spec = source.string();
  if (!project.extras.empty()) {
    spec += "[";
    for (std::size_t i = 0; i < project.extras.size(); ++i) spec += (i ? "," : "") + project.extras[i];
    spec += "]";
  }
  auto environment = python_environment(&pip);
  for (const auto& [name, value] : webui_backend_environment(project.webui)) environment.environment[name] = value;
  fs::path report = project.scratch_dir / "install-report.json";
  auto command = pip_command(venv_dir, mm, pip);

  std::string lock_text;
  bool lock_has_hashes = false;
  if (fs::exists(project.lock_file)) {
    lock_text = read_file(project.lock_file);
    lock_has_hashes = lock_text.find("--hash=") != std::string::npos;
  }
  const std::string lock_hint = fs::exists(project.lock_file)
      ? "\n(installed with the lock " + project.lock_file.string() + "; if it no longer fits pyproject.toml, delete it to resolve afresh)"
      : "";
  try {
    if (project.only_project) {
      command.push_back("--no-deps");
    } else if (lock_has_hashes) {
      if (progress) progress({"pip install --require-hashes -r " + project.lock_file.string(), 0, 0, "steps"});
      auto locked = command;
      locked.insert(locked.end(), {"--require-hashes", "-r", project.lock_file.string()});
      run_checked("pip install of the locked requirements", locked, environment);
      command.push_back("--no-deps");
    } else if (!lock_text.empty()) {
      command.insert(command.end(), {"-c", project.lock_file.string()});
    }
    if (progress) progress({"pip install " + project.project_dir.string(), 0, 0, "steps"});
    command.insert(command.end(), {"--report", report.string(), spec});
    if (!lock_has_hashes && !project.only_project)
      command.insert(command.end(), project.requirements.begin(), project.requirements.end());
    run_checked("pip install of " + project.project_dir.string(), command, environment);
    if (lock_has_hashes && !project.only_project)
      run_checked("pip check (the lock must hold every dependency of the project)",
                  {python_of(venv_dir, mm), "-m", "pip", "check"}, environment);
  } catch (const Error& error) {
    throw Error(error.what() + lock_hint);
  }

  InstalledProject installed;
  auto parsed = nlohmann::json::parse(read_file(report), nullptr, false);
  if (parsed.is_discarded()) throw Error("pip's install report " + report.string() + " is not JSON");
  for (const auto& item : parsed.value("install", nlohmann::json::array())) {
    // pip names the project by a file: URL, percent-encoded ("/My Bot" as "/My%20Bot"): compared
    // as the path it decodes to, not as text.
    auto path = file_url_path(item.value("download_info", nlohmann::json::object()).value("url", ""));
    std::error_code ignored;
    if (!path || !fs::equivalent(*path, source, ignored)) continue;
    installed.name = item["metadata"].value("name", "");
    installed.version = item["metadata"].value("version", "");
  }
  if (installed.name.empty())
    throw Error("pip's install report " + report.string() + " does not list the project " + project.project_dir.string());

  // direct_url.json names the scratch copy the project was built from: not part of the venv.
  auto dist_info = find_dist_info(site_packages(venv_dir, mm), installed.name);
  if (!dist_info.empty()) remove_recorded_file(dist_info, "direct_url.json");

  if (lock_has_hashes) {
    installed.lock_text = lock_text;
  } else {
    installed.lock_text = run_checked("pip freeze", {python_of(venv_dir, mm), "-m", "pip", "freeze", "--all",
                                                     "--exclude", "pip", "--exclude", installed.name},
                                      python_environment());
  }
  // What `pip list` prints (each distribution's metadata Name and Version), read with the
  // standard library: starting pip a fifth time cost a second or more.
  auto listed = nlohmann::json::parse(
      run_checked("listing the installed distributions",
                  {python_of(venv_dir, mm), "-E", "-s", "-c",
                   "import importlib.metadata as m, json\n"
                   "seen = {}\n"
                   "for d in m.distributions():\n"
                   "    seen.setdefault(d.metadata['Name'].lower().replace('_', '-'), [d.metadata['Name'], d.version])\n"
                   "print(json.dumps(list(seen.values())))"},
                  python_environment()),
      nullptr, false);
  if (listed.is_discarded() || !listed.is_array()) throw Error("the installed distributions could not be listed");
  for (const auto& item : listed)
    if (item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_string())
      installed.distributions.push_back({item[0].get<std::string>(), item[1].get<std::string>()});
  std::sort(installed.distributions.begin(), installed.distributions.end());
  return installed;
}

void relocate_scripts(const fs::path& venv_dir, const std::string& mm) {
  std::string bin_dir = (venv_dir / "bin").string();
  std::set<fs::path> rewritten;
  for (const auto& entry : fs::directory_iterator(venv_dir / "bin")) {
    if (!entry.is_regular_file() || entry.is_symlink() || is_elf_file(entry.path())) continue;
    auto content = read_file(entry.path());
    auto relocated = relocate_script(content, bin_dir, "python" + mm);
    if (!relocated) continue;
    write_file_atomically(entry.path(), *relocated, 0755);
    rewritten.insert(entry.path().lexically_normal());
  }
  if (rewritten.empty()) return;
  // Keep RECORD true to the files, so pip's own checks and uninstall see what is there.
  auto site = site_packages(venv_dir, mm);
  for (const auto& entry : fs::directory_iterator(site)) {
    auto record_path = entry.path() / "RECORD";
    if (!fs::is_regular_file(record_path)) continue;
    std::istringstream in(read_file(record_path));
    std::string line, updated;
    bool changed = false;
    while (std::getline(in, line)) {
      auto comma = line.find(',');
      auto file = (site / line.substr(0, comma)).lexically_normal();
      if (comma != std::string::npos && rewritten.count(file)) {
        line = line.substr(0, comma) + "," + record_hash(file) + "," + std::to_string(fs::file_size(file));
        changed = true;
      }
      updated += line + "\n";
    }
    if (changed) write_file_atomically(record_path, updated);
  }
}

void compile_bytecode(const fs::path& venv_dir, const std::string& mm, const ProgressCallback& progress,
                      const std::vector<fs::path>* only) {
  if (only && only->empty()) return;
  if (!only) {
    std::vector<fs::path> caches;
    for (auto it = fs::recursive_directory_iterator(venv_dir); it != fs::recursive_directory_iterator(); ++it)
      if (it->is_directory() && !it->is_symlink() && it->path().filename() == "__pycache__") {
        caches.push_back(it->path());
        it.disable_recursion_pending();
      }
    for (const auto& dir : caches) fs::remove_all(dir);
  }
  if (progress) progress({"compile bytecode (unchecked-hash .pyc)", 0, 0, "steps"});
  auto environment = python_environment();
  // Set and frozenset constants are marshalled in hash order: fix the seed.
  environment.environment["PYTHONHASHSEED"] = "0";
  // PYTHONDONTWRITEBYTECODE (kept from python_environment) stops the imports compileall
  // itself makes from leaving timestamp .pyc files with build paths, which compileall
  // would then take as up to date; py_compile writes regardless, and -f rewrites anyway.
  environment.merge_stderr = true;
  std::vector<std::string> argv = {python_of(venv_dir, mm), "-E", "-s", "-m", "compileall", "-q", "-f", "-j0",
                                   "--invalidation-mode", "unchecked-hash", "-s", venv_dir.string(), "-p", contract::kVenvMountPoint};
  if (only) for (const auto& file : *only) argv.push_back(file.string());
  else argv.push_back((venv_dir / "lib" / ("python" + mm)).string());
  auto result = run_process(argv, environment);
  // Like pip, a module that does not compile (a template, a Python 2 leftover) stays source only.
  if (result.exit_code != 0 && result.output.find("Error compiling") == std::string::npos &&
      result.output.find("SyntaxError") == std::string::npos)
    throw Error("python -m compileall in " + venv_dir.string() + " failed:\n" + result.output);
  if (result.exit_code != 0 && progress)
    progress({"some modules have no bytecode (they do not compile):\n" + result.output, 0, 0, "steps"});
}

}  // namespace nanoforge::venv
