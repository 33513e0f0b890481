// `nanoforge venv`: a real build of the example project with the local CPython 3.12, offline
// (setuptools and wheel from the wheels CPython ships), judged by running what it built.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "base/digest.h"
#include "oci/layer_entry.h"
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "venv/elf_closure.h"
#include "venv/layers.h"
#include "venv/version_file.h"

using namespace nanoforge;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The local CPython 3.12 and an offline wheelhouse with the setuptools and wheel it ships.
struct LocalPython {
  std::string prefix;
  fs::path wheelhouse;
  std::string skip_reason;
};

const LocalPython& local_python() {
  static TempDir wheels("nanoforge-wheelhouse");
  static LocalPython python = [] {
    LocalPython found;
    found.prefix = first_line(run("pyenv prefix 3.12.1 2>/dev/null || ls -d \"$HOME\"/.pyenv/versions/3.12.* | head -1").output);
    if (found.prefix.empty() || !fs::exists(found.prefix + "/bin/python3.12")) {
      found.skip_reason = "no CPython 3.12 install (pyenv prefix 3.12.1)";
      return found;
    }
    for (const auto& entry : fs::directory_iterator(found.prefix + "/lib/python3.12/test")) {
      auto name = entry.path().filename().string();
      if (entry.path().extension() == ".whl" && (name.rfind("setuptools-", 0) == 0 || name.rfind("wheel-", 0) == 0))
        fs::copy_file(entry.path(), wheels.path() / name);
    }
    if (!fs::exists(wheels.path()) || fs::is_empty(wheels.path()))
      found.skip_reason = "the CPython install ships no setuptools/wheel wheels in lib/python3.12/test";
    found.wheelhouse = wheels.path();
    return found;
  }();
  return python;
}

// stdout and stderr apart, for run_split().
std::string nanoforge_split_command(const fs::path& cache, const std::string& arguments) {
  return nanoforge_binary() + " --cache-dir " + shell_quote(cache.string()) + " " + arguments;
}

std::string nanoforge_command(const fs::path& cache, const std::string& arguments) {
  return nanoforge_split_command(cache, arguments) + " 2>&1";
}

std::string build_arguments(const fs::path& project, const fs::path& output) {
  return "--project " + shell_quote(project.string()) + " -o " + shell_quote(output.string()) +
         " --python " + shell_quote(local_python().prefix) + " --no-index --find-links " +
         shell_quote(local_python().wheelhouse.string());
}

fs::path copy_example(const TempDir& dir) {
  fs::path project = dir / "project";
  fs::copy(source_dir() / "examples" / "gateway", project, fs::copy_options::recursive);
  return project;
}

std::string sha256(const fs::path& file) { return sha256_of_file(file).hex; }

std::uint64_t tree_bytes(const fs::path& root, const std::string& skip_prefix = "") {
  std::uint64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (!skip_prefix.empty() && it->path().lexically_relative(root).generic_string().rfind(skip_prefix, 0) == 0) continue;
    if (it->is_regular_file() && !it->is_symlink()) total += it->file_size();
  }
  return total;
}


}  // namespace

TEST_CASE("venv build: a relocatable venv that runs the example gateway", "[venv]") {
  const auto& python = local_python();
  if (!python.skip_reason.empty()) NANOFORGE_SKIP(python.skip_reason);
  TempDir dir("nanoforge-venv-build");
  auto project = copy_example(dir);
  // A blank and a '%' in the build's directory: pip names the project it installed by a
  // percent-encoded file: URL ("build%20area%20100%25"), and the build must still find it.
  fs::path area = dir / "build area 100%";
  auto built = run(nanoforge_command(dir / "cache", "venv build " + build_arguments(project, area / "venv")));
  INFO(built.output);
  REQUIRE(built.exit_code == 0);
  CHECK_THAT(built.output, Catch::Contains("interpreter + stdlib (after pruning)"));
  REQUIRE(fs::exists(area / "venv.tar.gz"));
  REQUIRE(fs::exists(area / "requirements.lock"));
  // The project source tree is left as it was: pip built a copy.
  CHECK_FALSE(fs::exists(project / "build"));
  CHECK_FALSE(fs::exists(project / "src" / "nanoforge_example_gateway.egg-info"));

  auto info = venv::read_version_file(area / "venv");
  CHECK_THAT(info.python_version, Catch::StartsWith("3.12."));
  CHECK(info.project_name == "nanoforge-example-gateway");
  CHECK(info.project_version == "0.1.0");
  CHECK(info.pyproject_sha256 == sha256(project / "pyproject.toml"));
  CHECK(info.lock_sha256 == sha256(area / "requirements.lock"));
  std::set<std::string> names;
  for (const auto& [name, version] : info.distributions) names.insert(name);
  CHECK(names.count("pip"));
  CHECK(names.count("nanoforge-example-gateway"));

  // Interpreter plus standard library within the 45 MB budget.
  auto interpreter_bytes = tree_bytes(area / "venv", "lib/python3.12/site-packages");
  INFO("interpreter + stdlib: " << interpreter_bytes << " bytes");
  CHECK(interpreter_bytes <= 45u * 1000 * 1000);
  CHECK_FALSE(fs::exists(area / "venv/lib/python3.12/test"));
  CHECK_FALSE(fs::exists(area / "venv/lib/python3.12/tkinter"));
  CHECK_FALSE(fs::exists(area / "venv/lib/python3.12/ensurepip"));
  CHECK(fs::exists(area / "venv/lib/python3.12/__pycache__/os.cpython-312.pyc"));

  // Relocation: moved elsewhere, it runs, and nothing in it names where it was built.
  fs::path moved = dir / "elsewhere" / "venv2";
  fs::create_directories(moved.parent_path());
  fs::rename(area / "venv", moved);
  auto version = run(shell_quote((moved / "bin/python").string()) + " --version");
  CHECK_THAT(version.output, Catch::StartsWith("Python 3.12."));
  auto imports = run(shell_quote((moved / "bin/python").string()) +
                     " -c 'import example_gateway, ssl, sqlite3, json, ctypes, zlib, sys; print(sys.prefix)'");
  CHECK(imports.exit_code == 0);
  CHECK(first_line(imports.output) == moved.string());
  auto script = run(shell_quote((moved / "bin/example-gateway").string()) + " --version");
  CHECK(script.output == "example-gateway 0.1.0\n");
  auto pip = run(shell_quote((moved / "bin/pip").string()) + " --version");
  CHECK_THAT(pip.output, Catch::Contains(moved.string()));
  for (const auto& path : {area.string(), project.string()}) {
    auto grep = run("grep -r -l -F " + shell_quote(path) + " " + shell_quote(moved.string()));
    INFO("grep for " << path << ": " << grep.output);
    CHECK(grep.exit_code == 1);
  }

  // The gateway answers /health and stops promptly on SIGTERM.
  fs::path home = dir / "home";
  fs::create_directories(home / ".nanobot" / "workspace");
  write_text(home / ".nanobot" / "workspace" / "SOUL.md", "# A test soul\n");
  int port = free_local_port();
  write_text(home / ".nanobot" / "config.json",
             "{\"gateway\": {\"host\": \"127.0.0.1\", \"port\": " + std::to_string(port) +
                 "}, \"agents\": {\"defaults\": {\"workspace\": \"~/.nanobot/workspace\", \"model\": \"test-model\"}}}");
  auto gateway = run("cd / && HOME=" + shell_quote(home.string()) + " " +
                     shell_quote((moved / "bin/example-gateway").string()) + " gateway > " +
                     shell_quote((dir / "gateway.log").string()) + " 2>&1 & echo $!");
  std::string pid = first_line(gateway.output);
  std::string health;
  for (int attempt = 0; attempt < 50 && health.find("200") == std::string::npos; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    health = run("curl -s -w ' %{http_code}' http://127.0.0.1:" + std::to_string(port) + "/health").output;
  }
  CHECK(health == "{\"status\": \"ok\"} 200");  // upstream json.dumps: with the space
  auto started = std::chrono::steady_clock::now();
  run("kill -TERM " + pid + "; while kill -0 " + pid + " 2>/dev/null; do sleep 0.05; done");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  auto log = read_text(dir / "gateway.log");
  CHECK_THAT(log, Catch::Contains("soul=loaded"));
  CHECK_THAT(log, Catch::Contains("model=test-model"));

  // The ELF closure against this host's root: everything the venv needs is here.
  auto closure = run_split(nanoforge_split_command(dir / "cache", "venv closure --json -o " + shell_quote(moved.string()) + " --rootfs /"));
  CHECK(closure.exit_code == 0);
  REQUIRE(not_one_json_document(closure.out) == "");
  CHECK(nlohmann::json::parse(closure.out) == nlohmann::json::array());
  auto quiet_closure = run(nanoforge_command(dir / "cache", "venv closure --quiet -o " + shell_quote(moved.string()) + " --rootfs /"));
  CHECK(quiet_closure.exit_code == 0);
  CHECK(quiet_closure.output.empty());
  // ...and against an empty root, libc is reported, by name, with who needs it.
  fs::create_directories(dir / "empty-root");
  auto unresolved = venv::elf_closure(moved, dir / "empty-root");
  std::set<std::string> missing;
  for (const auto& need : unresolved) missing.insert(need.library);
  CHECK(missing.count("libc.so.6"));
  CHECK_FALSE(missing.count("libpython3.12.so.1.0"));
  auto failing = run(nanoforge_command(dir / "cache", "venv closure -o " + shell_quote(moved.string()) + " --rootfs " +
                                                  shell_quote((dir / "empty-root").string())));
  CHECK(failing.exit_code == 3);
  CHECK_THAT(failing.output, Catch::Contains("libc.so.6"));

  // Three layers that together hold exactly the venv's files.
  auto groups = venv::venv_layer_entries(moved);
  auto all = oci::scan_directory(moved, "opt/venv");
  std::set<std::string> expected, seen;
  for (const auto& entry : all)
    if (entry.type != oci::EntryType::Directory) expected.insert(entry.path);
  std::size_t non_directories = 0;
  for (const auto* group : {&groups.interpreter, &groups.dependencies, &groups.project})
    for (const auto& entry : *group)
      if (entry.type != oci::EntryType::Directory) {
        seen.insert(entry.path);
        ++non_directories;
      }
  CHECK(seen == expected);
  CHECK(non_directories == expected.size());  // no file in two layers
  auto in = [](const std::vector<oci::LayerEntry>& group, const std::string& path) {
    return std::any_of(group.begin(), group.end(), [&](const oci::LayerEntry& e) { return e.path == path; });
  };
  CHECK(in(groups.interpreter, "opt/venv/bin/python3.12"));
  CHECK(in(groups.interpreter, "opt/venv/lib/python3.12/os.py"));
  CHECK(in(groups.dependencies, "opt/venv/lib/python3.12/site-packages/pip/__init__.py"));
  CHECK(in(groups.dependencies, "opt/venv/bin/pip"));
  CHECK(in(groups.project, "opt/venv/lib/python3.12/site-packages/example_gateway/cli.py"));
  CHECK(in(groups.project, "opt/venv/lib/python3.12/site-packages/example_gateway/__pycache__/cli.cpython-312.pyc"));
  CHECK(in(groups.project, "opt/venv/bin/example-gateway"));
  CHECK(in(groups.project, "opt/venv/VERSION.txt"));

  // In a container of the Python-free runtime image, with the venv mounted read-only at /opt/venv.
  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP("container check: no dockerd (" + harness.docker_unavailable + ")");
  std::string image;
  if (const char* named = std::getenv("NANOFORGE_RUNTIME_IMAGE")) image = named;
  if (image.empty()) {
    // An image built by `nanoforge build` from the example spec (the runtime, or nanobot on top of it).
    auto images = run(harness.docker() + " images --format '{{.Repository}}:{{.Tag}}'");
    for (std::size_t start = 0; start < images.output.size();) {
      auto end = images.output.find('\n', start);
      auto name = images.output.substr(start, end - start);
      start = end == std::string::npos ? images.output.size() : end + 1;
      if (name.rfind("nanobot-runtime:", 0) == 0 || (image.empty() && name.rfind("nanobot:", 0) == 0)) image = name;
    }
  }
  if (image.empty())
    NANOFORGE_SKIP("container check: no runtime image in the harness dockerd (set NANOFORGE_RUNTIME_IMAGE or run nanoforge build)");
  std::string mount = " --rm -v " + shell_quote(moved.string()) + ":/opt/venv:ro ";
  auto no_python = run(harness.docker() + " run --rm --entrypoint /bin/sh " + image +
                       " -c 'test ! -e /usr/bin/python3 && test ! -e /usr/local/bin/python3 && echo none'");
  CHECK(no_python.output == "none\n");
  auto in_container = run(harness.docker() + " run" + mount + "--entrypoint /opt/venv/bin/python " + image + " --version");
  INFO(in_container.output);
  CHECK_THAT(in_container.output, Catch::StartsWith("Python 3.12."));
  auto import = run(harness.docker() + " run" + mount + "--entrypoint /opt/venv/bin/python " + image +
                    " -c 'import example_gateway, ssl, sqlite3; print(example_gateway.__file__)'");
  CHECK(import.output == "/opt/venv/lib/python3.12/site-packages/example_gateway/__init__.py\n");
  auto trampoline = run(harness.docker() + " run" + mount + "--entrypoint /opt/venv/bin/example-gateway " + image + " --version");
  CHECK(trampoline.output == "example-gateway 0.1.0\n");
}

TEST_CASE("venv update: no-op, rebuild on change, failed install keeps the old venv, rollback", "[venv]") {
  const auto& python = local_python();
  if (!python.skip_reason.empty()) NANOFORGE_SKIP(python.skip_reason);
  TempDir dir("nanoforge-venv-update");
  auto project = copy_example(dir);
  fs::path venv = dir / "venv";
  auto args = build_arguments(project, venv);
  auto update = [&](const std::string& extra = "") { return run(nanoforge_command(dir / "cache", "venv update " + args + extra)); };

  // --json: the build's report, one document on stdout (the output contract).
  auto first = run_split(nanoforge_split_command(dir / "cache", "venv update --json " + args));
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  REQUIRE(not_one_json_document(first.out) == "");
  CHECK(nlohmann::json::parse(first.out)["venv"].is_string());
  auto first_tarball = sha256(dir / "venv.tar.gz");

  auto started = std::chrono::steady_clock::now();
  auto noop = update();
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(noop.exit_code == 0);
  CHECK_THAT(noop.output, Catch::Contains("up to date"));
  CHECK(took < std::chrono::seconds(1));
  CHECK_FALSE(fs::exists(dir / "venv.backup"));

  // Up to date but venv.tar.gz deleted: written again, the same bytes, without a rebuild.
  fs::remove(dir / "venv.tar.gz");
  auto rewritten = update();
  CHECK_THAT(rewritten.output, Catch::Contains("up to date") && Catch::Contains("wrote the missing venv.tar.gz"));
  CHECK(sha256(dir / "venv.tar.gz") == first_tarball);
  CHECK_FALSE(fs::exists(dir / "venv.backup"));

  // Deleting .pyproject.md5 forces a rebuild, as in the guide; same inputs, same bytes.
  fs::remove(venv / ".pyproject.md5");
  auto forced = update();
  CHECK(forced.exit_code == 0);
  CHECK_THAT(forced.output, Catch::Contains(".pyproject.md5 is missing"));
  CHECK(sha256(dir / "venv.tar.gz") == first_tarball);
  CHECK(sha256(dir / "venv.backup.tar.gz") == first_tarball);

  // A changed pyproject.toml rebuilds; the previous venv is the backup.
  auto pyproject = read_text(project / "pyproject.toml");
  auto bumped = pyproject;
  bumped.replace(bumped.find("version = \"0.1.0\""), 17, "version = \"0.2.0\"");
  write_text(project / "pyproject.toml", bumped);
  auto changed = update();
  CHECK(changed.exit_code == 0);
  CHECK_THAT(changed.output, Catch::Contains("pyproject.toml changed"));
  CHECK(venv::read_version_file(venv).project_version == "0.2.0");
  CHECK(venv::read_version_file(dir / "venv.backup").project_version == "0.1.0");

  // A requirement that does not exist: non-zero exit, and the old venv still works.
  auto broken = bumped;
  broken.replace(broken.find("dependencies = []"), 17, "dependencies = [\"nanoforge-no-such-package>=1\"]");
  write_text(project / "pyproject.toml", broken);
  auto failed = update();
  CHECK(failed.exit_code != 0);
  CHECK_THAT(failed.output, Catch::Contains("nanoforge-no-such-package"));
  CHECK_THAT(failed.output, Catch::Contains("the existing venv at " + venv.string() + " is unchanged"));
  CHECK(venv::read_version_file(venv).project_version == "0.2.0");
  CHECK(run(shell_quote((venv / "bin/python").string()) + " -c 'import example_gateway'").exit_code == 0);
  CHECK_FALSE(fs::exists(dir / "venv.new"));

  // rollback swaps the backup in; a second rollback swaps back.
  auto rollback = run_split(nanoforge_split_command(dir / "cache", "venv rollback --json -o " + shell_quote(venv.string())));
  CHECK(rollback.exit_code == 0);
  CHECK(not_one_json_document(rollback.out) == "");
  CHECK(venv::read_version_file(venv).project_version == "0.1.0");
  CHECK(sha256(dir / "venv.tar.gz") == first_tarball);
  auto back = run(nanoforge_command(dir / "cache", "venv rollback --quiet -o " + shell_quote(venv.string())));
  CHECK(back.exit_code == 0);
  CHECK(back.output.empty());  // --quiet: nothing on success
  CHECK(venv::read_version_file(venv).project_version == "0.2.0");
}

TEST_CASE("venv build: interpreter from a python-build-standalone tarball over HTTP", "[venv]") {
  const auto& python = local_python();
  if (!python.skip_reason.empty()) NANOFORGE_SKIP(python.skip_reason);
  TempDir dir("nanoforge-venv-tarball");
  // An install_only-style tarball: python/ at the top, RUNPATH $ORIGIN/../lib as
  // python-build-standalone ships it, without CPython's test suite.
  fs::path stage = dir / "stage" / "python";
  fs::create_directories(stage);
  fs::create_directories(dir / "serve");
  auto staged = run("cd " + shell_quote(python.prefix) +
                    " && tar --exclude=./lib/python3.12/test --exclude='*.a' --exclude=__pycache__ "
                    "--exclude=./lib/python3.12/site-packages -cf - . | tar -xf - -C " + shell_quote(stage.string()) +
                    " && patchelf --set-rpath '$ORIGIN/../lib' " + shell_quote((stage / "bin/python3.12").string()) +
                    " && tar -czf " + shell_quote((dir / "serve/cpython-3.12-install_only.tar.gz").string()) +
                    " -C " + shell_quote((dir / "stage").string()) + " python");
  INFO(staged.output);
  REQUIRE(staged.exit_code == 0);
  std::string digest = sha256(dir / "serve/cpython-3.12-install_only.tar.gz");
  int port = free_local_port();
  auto server = run("cd " + shell_quote((dir / "serve").string()) + " && python3 -m http.server --bind 127.0.0.1 " +
                    std::to_string(port) + " >/dev/null 2>&1 & echo $!");
  std::string pid = first_line(server.output);
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/cpython-3.12-install_only.tar.gz";
  for (int attempt = 0; attempt < 50 && run("curl -sf -o /dev/null -I " + url).exit_code != 0; ++attempt)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto project = copy_example(dir);
  auto tarball_args = [&](const std::string& sha, const fs::path& output) {
    return "venv build --project " + shell_quote(project.string()) + " -o " + shell_quote(output.string()) +
           " --python-tarball " + url + " --python-sha256 " + sha + " --no-index --find-links " +
           shell_quote(python.wheelhouse.string()) + " --no-tarball";
  };

  std::string wrong = digest;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  auto bad = run(nanoforge_command(dir / "cache", tarball_args(wrong, dir / "bad-venv")));
  CHECK(bad.exit_code != 0);
  CHECK_THAT(bad.output, Catch::Contains(url));
  CHECK_FALSE(fs::exists(dir / "bad-venv"));
  CHECK_FALSE(fs::exists(dir / "cache" / "python" / wrong));

  auto good = run(nanoforge_command(dir / "cache", tarball_args(digest, dir / "venv") + " --quiet"));
  run("kill " + pid);
  INFO(good.output);
  REQUIRE(good.exit_code == 0);
  CHECK(good.output.empty());  // --quiet: nothing on success, not even the download's progress
  CHECK(fs::is_directory(dir / "cache" / "python" / digest / "python" / "bin"));
  auto info = venv::read_version_file(dir / "venv");
  CHECK(info.interpreter_source == url);
  CHECK(info.interpreter_sha256 == digest);
  auto version = run(shell_quote((dir / "venv/bin/python").string()) + " -c 'import example_gateway, ssl; import sys; print(sys.version_info[:2])'");
  CHECK(version.output == "(3, 12)\n");
}

TEST_CASE("venv build: bad input is a clear error", "[venv]") {
  const auto& python = local_python();
  if (!python.skip_reason.empty()) NANOFORGE_SKIP(python.skip_reason);
  TempDir dir("nanoforge-venv-errors");
  fs::create_directories(dir / "empty-project");
  auto no_project = run(nanoforge_command(dir / "cache", "venv build " + build_arguments(dir / "empty-project", dir / "venv")));
  CHECK(no_project.exit_code == 1);
  CHECK_THAT(no_project.output, Catch::Contains((dir / "empty-project").string() + " has no pyproject.toml"));

  auto project = copy_example(dir);
  auto wrong_version = run(nanoforge_command(dir / "cache", "venv build " + build_arguments(project, dir / "venv") +
                                                        " --python-version 3.11"));
  CHECK(wrong_version.exit_code == 1);
  CHECK_THAT(wrong_version.output, Catch::Contains("but 3.11 was requested"));

  if (!fs::exists("/usr/local/bin/python3.12") && !fs::exists("/usr/bin/python3.12")) {
    fs::create_directories(dir / "nothing");
    std::string empty = shell_quote((dir / "nothing").string());
    auto none = run("HOME=" + empty + " PYENV_ROOT=" + empty + " XDG_DATA_HOME=" + empty + " " +
                    nanoforge_command(dir / "cache", "venv build --project " + shell_quote(project.string()) + " -o " +
                                                 shell_quote((dir / "venv").string())));
    CHECK(none.exit_code == 1);
    CHECK_THAT(none.output, Catch::Contains("--python PREFIX") && Catch::Contains("pyenv") &&
                                Catch::Contains("--python-tarball"));
  }
  CHECK_FALSE(fs::exists(dir / "venv"));
}
