// `nanoforge verify`: what `build` produced from the spec (or an image / a venv named on
// the command line), checked and reported; exit code 3 when a check fails.
#include <sstream>

#include "builder/cli/commands.h"
#include "builder/cli/console.h"
#include "builder/verify/verify.h"
#include "builder/verify/verify_target.h"
#include "base/error.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

namespace {

struct VerifyCommandOptions {
  std::string image;
  std::string venv;
  std::string module;
  std::string python_version = "3.12";
  bool run = false;
  bool rebuild = false;
};

// The report as a table of checks, then each detail, then a count.
std::string report_text(const VerifyReport& report) {
  const auto& checks = report.checks;
  std::vector<std::vector<std::string>> rows;
  int failed = 0;
  for (const auto& check : checks) {
    const char* mark = check.status == CheckResult::Status::Pass ? "✓" : check.status == CheckResult::Status::Fail ? "✗" : "-";
    failed += check.status == CheckResult::Status::Fail;
    rows.push_back({mark, check.name, check.figure});
  }
  std::ostringstream out;
  out << format_table({"", "CHECK", "FIGURE"}, rows);
  for (const auto& check : checks)
    if (!check.detail.empty())
      out << (check.status == CheckResult::Status::Fail ? "FAILED " : "note: ") << check.name << ": " << check.detail << "\n";
  out << "\n" << (checks.size() - failed) << " of " << checks.size() << " checks passed"
      << (failed ? ", " + std::to_string(failed) + " failed" : std::string()) << "\n";
  return out.str();
}

}  // namespace

void add_verify_command(CLI::App& app, GlobalOptions& options) {
  auto command_options = std::make_shared<VerifyCommandOptions>();
  auto* command = app.add_subcommand("verify", "Check the built images and venv against the guide's invariants");
  command->add_option("image", command_options->image, "NAME:TAG in the layout (default: what the spec builds)");
  command->add_option("--venv", command_options->venv, "Check this venv directory");
  command->add_option("--module", command_options->module, "Module the app-import check imports");
  command->add_option("--python-version", command_options->python_version, "Expected Python version prefix (default 3.12)");
  command->add_flag("--run", command_options->run, "Also run the guide's checks in Docker or Podman");
  command->add_flag("--rebuild", command_options->rebuild, "Rebuild in a temporary directory and compare digests");
  command->callback([&options, command_options] {
    Console console(options.quiet, options.json);
    VerifyTarget target;
    std::optional<Spec> spec;
    if (command_options->image.empty() && command_options->venv.empty()) {
      spec = load_spec(options.spec_path());
      target = target_from_spec(*spec);
    }
    std::optional<oci::Layout> layout;
    if (target.runtime_image || !command_options->image.empty()) {
      auto path = options.layout_path();
      if (!fs::exists(path / "index.json"))
        throw Error("no OCI layout at " + path.string() + " (build first, or give --layout DIR)");
      layout.emplace(path);
    }
    if (!command_options->image.empty()) {
      auto reference = ImageReference::parse(command_options->image);
      layout->resolve(reference);
      if (image_holds_venv(*layout, reference)) target.full_image = reference;
      else target.runtime_image = reference;
    }
    if (!command_options->venv.empty()) {
      target.venv_dir = command_options->venv;
      target.build_paths.push_back(fs::absolute(command_options->venv).lexically_normal().string());
    }
    if (!command_options->module.empty()) target.module = command_options->module;
    if (command_options->python_version != "3.12" || target.python_version.empty())
      target.python_version = command_options->python_version;

    VerifyOptions verify_options;
    verify_options.run = command_options->run;
    verify_options.rebuild = command_options->rebuild;
    if (command_options->rebuild) {
      if (!spec) throw Error("--rebuild needs the spec (run it without an image or --venv argument)");
      verify_options.rebuild_digests = [&] { return rebuild_digests(*spec, options.cache_path()); };
    }
    auto report = verify(target, layout ? &*layout : nullptr, verify_options, console);
    console.json(report.to_json());
    console.out(report_text(report));
    if (!report.passed()) throw CheckFailed("verify: " + std::to_string(report.failures()) + " check(s) failed");
  });
}

}  // namespace nanoforge::builder
