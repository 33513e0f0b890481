// `nanoforge verify`: proves the guide's invariants on what was built — no system Python,
// size budgets, Python 3.12.x, the app imports, every shared library resolves, no
// build-machine path, a sound image config, reproducible digests — and, with an engine,
// runs the guide's checks in real containers.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "venv/webui_bundle.h"
#include "base/reporter.h"
#include "builder/spec/spec.h"
#include "base/container_contract.h"
#include "base/error.h"
#include "oci/layout.h"

namespace nanoforge::builder {

struct CheckResult {
  enum class Status { Pass, Fail, Skip };
  std::string name;     // "no-system-python", "size-budget", ...
  Status status = Status::Pass;
  std::string figure;   // the measured value: "41.2 MB of 50 MB", "Python 3.12.1"
  std::string detail;   // on failure: what and where (file, package, library)
};

struct VerifyReport {
  std::vector<CheckResult> checks;
  bool passed() const;  // no check failed
  std::size_t failures() const;
  nlohmann::json to_json() const;
  // The text form (a table of checks, then notes and a count) is the CLI's: verify_command.cc.
};

// What to verify; any part may be absent (e.g. `verify --venv DIR` checks the venv only).
struct VerifyTarget {
  std::optional<ImageReference> runtime_image;  // must hold no Python at all
  std::optional<ImageReference> full_image;     // Python only under /opt/venv
  std::filesystem::path venv_dir;
  std::string python_version = "3.12";
  std::string module;                                // imported by the app-import check
  Budgets budgets;
  int port = contract::kGatewayPort;
  // Paths of the build machine that must not appear inside any file of the venv.
  std::vector<std::string> build_paths;
  // The source interpreter's prefix: compiled into libpython and the interpreter as their
  // configured prefix (which getpath only falls back to when the venv's own landmarks are
  // missing), so it is allowed inside ELF files — and in VERSION.txt, which records the
  // interpreter's source on purpose — and refused everywhere else.
  std::string interpreter_prefix;
  // The app's WebUI bundle: reported as present or absent, a failure when the spec builds or
  // requires it (webui_bundle.h).
  venv::WebuiOptions webui;
};

struct VerifyOptions {
  bool run = false;       // also run the guide's checks in containers
  bool rebuild = false;   // rebuild in a temporary directory and compare digests
  // Rebuilds into a fresh layout and returns each tag's manifest digest (set by the caller).
  std::function<std::map<std::string, std::string>()> rebuild_digests;
};

// `layout` may be null when only a venv is verified.
VerifyReport verify(const VerifyTarget& target, const oci::Layout* layout, const VerifyOptions& options,
                    Reporter& reporter);

// verify throws CheckFailed (base/error.h) when it ran and a check failed.
// The individual check families (one file each).
void check_images(const VerifyTarget& target, const oci::Layout& layout, VerifyReport& report,
                  const std::filesystem::path& scratch);
void check_venv(const VerifyTarget& target, VerifyReport& report, const std::filesystem::path& runtime_root);
void check_in_containers(const VerifyTarget& target, const oci::Layout& layout, VerifyReport& report,
                         const std::filesystem::path& scratch, Reporter& reporter);

}  // namespace nanoforge::builder
