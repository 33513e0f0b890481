#include "builder/verify/verify.h"

#include <random>
#include <sstream>

#include "base/error.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

namespace {
const char* status_word(CheckResult::Status status) {
  switch (status) {
    case CheckResult::Status::Pass: return "pass";
    case CheckResult::Status::Fail: return "fail";
    default: return "skip";
  }
}

// A scratch directory removed on every way out.
struct Scratch {
  fs::path path;
  Scratch() {
    std::mt19937_64 generator{std::random_device{}()};
    path = fs::temp_directory_path() / ("nanoforge-verify-" + std::to_string(generator()));
    fs::create_directories(path);
  }
  ~Scratch() {
    std::error_code error;
    fs::remove_all(path, error);
  }
};
}  // namespace

std::size_t VerifyReport::failures() const {
  std::size_t failed = 0;
  for (const auto& check : checks) failed += check.status == CheckResult::Status::Fail;
  return failed;
}

bool VerifyReport::passed() const { return failures() == 0; }

nlohmann::json VerifyReport::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& check : checks)
    list.push_back({{"name", check.name}, {"status", status_word(check.status)}, {"figure", check.figure},
                    {"detail", check.detail}});
  return {{"passed", passed()}, {"checks", list}};
}

VerifyReport verify(const VerifyTarget& target, const oci::Layout* layout, const VerifyOptions& options, Reporter& reporter) {
  VerifyReport report;
  Scratch scratch;
  if (layout) check_images(target, *layout, report, scratch.path);
  auto runtime_root = scratch.path / "runtime-root";
  check_venv(target, report, fs::exists(runtime_root) ? runtime_root : fs::path());
  if (options.rebuild && options.rebuild_digests) {
    auto rebuilt = options.rebuild_digests();
    CheckResult result{"reproducible", CheckResult::Status::Pass, "", ""};
    std::size_t same = 0;
    for (const auto& [reference, digest] : rebuilt) {
      auto original = layout ? layout->find(ImageReference::parse(reference)) : std::nullopt;
      if (original && original->digest.str() == digest) ++same;
      else result.detail += (result.detail.empty() ? "" : "; ") + reference + " rebuilt as " + digest + ", layout has " +
                            (original ? original->digest.str() : std::string("nothing"));
    }
    result.figure = std::to_string(same) + " of " + std::to_string(rebuilt.size()) + " images identical after a rebuild";
    if (!result.detail.empty() || rebuilt.empty()) result.status = CheckResult::Status::Fail;
    report.checks.push_back(result);
  }
  if (options.run && layout) check_in_containers(target, *layout, report, scratch.path, reporter);
  return report;
}

}  // namespace nanoforge::builder
