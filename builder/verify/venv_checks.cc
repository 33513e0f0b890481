// Checks on the shared venv: the interpreter's version, the app imports, every shared
// library resolves (in the venv or the runtime), and no build-machine path is left inside.
#include <algorithm>
#include <fstream>
#include <functional>

#include "builder/verify/verify.h"
#include "base/error.h"
#include "base/joined.h"
#include "base/subprocess.h"
#include "venv/elf_closure.h"
#include "venv/pip_install.h"
#include "venv/version_file.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

namespace {

void check_python_version(const VerifyTarget& target, VerifyReport& report) {
  auto python = target.venv_dir / "bin" / "python";
  CheckResult result{"python-version", CheckResult::Status::Pass, "", ""};
  if (!fs::exists(python)) {
    result.status = CheckResult::Status::Fail;
    result.detail = python.string() + " does not exist";
  } else {
    auto run = run_process({python.string(), "--version"}, within_seconds(30));
    auto version = run.output.substr(0, run.output.find('\n'));
    result.figure = version;
    if (!run.ok() || !version.starts_with("Python " + target.python_version + ".")) {
      result.status = CheckResult::Status::Fail;
      result.detail = python.string() + " printed '" + version + "' (exit " + std::to_string(run.exit_code) +
                      "), expected Python " + target.python_version + ".x";
    }
  }
  report.checks.push_back(result);
}

void check_import(const VerifyTarget& target, VerifyReport& report) {
  if (target.module.empty()) {
    report.checks.push_back({"app-import", CheckResult::Status::Skip, "no module configured", ""});
    return;
  }
  auto python = target.venv_dir / "bin" / "python";
  CheckResult result{"app-import", CheckResult::Status::Pass, "import " + target.module, ""};
  if (!fs::exists(python)) {
    result.status = CheckResult::Status::Fail;
    result.detail = python.string() + " does not exist";
  } else {
    auto run = run_process({python.string(), "-c", "import " + target.module},
                           within_seconds(60));
    if (!run.ok()) {
      result.status = CheckResult::Status::Fail;
      auto last_line = run.output;
      while (!last_line.empty() && last_line.back() == '\n') last_line.pop_back();
      last_line = last_line.substr(last_line.rfind('\n') + 1);
      result.detail = "import " + target.module + " failed with " + python.string() + ": " + last_line;
    }
  }
  report.checks.push_back(result);
}

// Whether the app's WebUI bundle is in the installed package: upstream serves the WebUI from it
// (channels/manager.py _default_webui_dist), and without it the published WebUI port answers
// nothing useful.
void check_webui_bundle(const VerifyTarget& target, VerifyReport& report) {
  fs::path site;
  std::string project;
  try {
    site = venv::site_packages_of(target.venv_dir);
    project = venv::read_version_file(target.venv_dir).project_name;
  } catch (const Error&) {
    report.checks.push_back({"webui-bundle", CheckResult::Status::Skip, "no site-packages, or no VERSION.txt naming the project", ""});
    return;
  }
  CheckResult result{"webui-bundle", CheckResult::Status::Pass, "", ""};
  if (auto found = venv::find_webui_bundle(site, project)) {
    result.figure = found->generic_string() + " present";
  } else if (target.webui.mode == venv::WebuiMode::build || target.webui.mode == venv::WebuiMode::prebuilt) {
    result.status = CheckResult::Status::Fail;
    result.figure = "absent";
    result.detail = "venv.webui is " + venv::to_string(target.webui.mode) + ", but " + project +
                    " installed no PACKAGE/web/dist/index.html in " + site.string() +
                    ": rebuild the venv (nanoforge venv update --force)";
  } else {
    result.status = CheckResult::Status::Skip;
    result.figure = "absent: instances cannot publish a WebUI (set venv.webui: build in the spec)";
  }
  report.checks.push_back(result);
}

void check_closure(const VerifyTarget& target, VerifyReport& report, const fs::path& runtime_root) {
  CheckResult result{"elf-closure", CheckResult::Status::Pass, "", ""};
  auto needs = venv::elf_needs(target.venv_dir);
  // Without a runtime image the host's root stands in (as when ./venv runs on the host).
  auto root = runtime_root.empty() ? fs::path("/") : runtime_root;
  auto unresolved = venv::elf_closure(target.venv_dir, root);
  result.figure = std::to_string(needs.size()) + " needed libraries resolve in the venv and " +
                  (runtime_root.empty() ? std::string("the host") : std::string("the runtime image"));
  if (!unresolved.empty()) {
    result.status = CheckResult::Status::Fail;
    result.figure = std::to_string(unresolved.size()) + " of " + std::to_string(needs.size()) + " needed libraries missing";
    for (std::size_t i = 0; i < unresolved.size() && i < 10; ++i) {
      const auto& missing = unresolved[i];
      result.detail += (i ? "; " : "") + missing.library + " needed by " +
                       (target.venv_dir / missing.needed_by.front()).string();
      if (missing.needed_by.size() > 1) result.detail += " and " + std::to_string(missing.needed_by.size() - 1) + " more";
    }
    if (unresolved.size() > 10) result.detail += "; and " + std::to_string(unresolved.size() - 10) + " more";
  }
  report.checks.push_back(result);
}

// Searches every file of the venv for the build machine's paths.
void check_relocatable(const VerifyTarget& target, VerifyReport& report) {
  std::vector<std::string> needles;
  for (const auto& path : target.build_paths)
    if (path.size() > 1) needles.push_back(path);
  if (target.interpreter_prefix.size() > 1) needles.push_back(target.interpreter_prefix);
  CheckResult result{"relocatable", CheckResult::Status::Pass, "", ""};
  std::vector<std::string> hits;
  std::size_t files = 0;
  std::string content;
  for (auto it = fs::recursive_directory_iterator(target.venv_dir); it != fs::recursive_directory_iterator(); ++it) {
    std::error_code error;
    if (it->is_symlink(error) || !it->is_regular_file(error)) continue;
    ++files;
    std::ifstream in(it->path(), std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    bool elf = content.size() > 4 && content.compare(0, 4, "\x7f" "ELF") == 0;
    for (const auto& needle : needles) {
      // VERSION.txt records where the interpreter came from, by design (provenance).
      if ((elf || it->path().filename() == "VERSION.txt") && needle == target.interpreter_prefix) continue;
      if (std::search(content.begin(), content.end(), std::boyer_moore_horspool_searcher(needle.begin(), needle.end())) !=
          content.end()) {
        hits.push_back(it->path().string() + " contains " + needle);
        break;
      }
    }
  }
  std::string searched = joined(needles);
  result.figure = std::to_string(files) + " files searched for " + (searched.empty() ? "nothing" : searched);
  if (!hits.empty()) {
    result.status = CheckResult::Status::Fail;
    for (std::size_t i = 0; i < hits.size() && i < 10; ++i) result.detail += (i ? "; " : "") + hits[i];
    if (hits.size() > 10) result.detail += "; and " + std::to_string(hits.size() - 10) + " more";
  }
  report.checks.push_back(result);
}

}  // namespace

void check_venv(const VerifyTarget& target, VerifyReport& report, const fs::path& runtime_root) {
  if (target.venv_dir.empty()) return;
  if (!fs::is_directory(target.venv_dir)) {
    report.checks.push_back({"venv", CheckResult::Status::Fail, "",
                             target.venv_dir.string() + " is not a directory (build the venv first)"});
    return;
  }
  check_python_version(target, report);
  check_import(target, report);
  check_webui_bundle(target, report);
  check_closure(target, report, runtime_root);
  check_relocatable(target, report);
}

}  // namespace nanoforge::builder
