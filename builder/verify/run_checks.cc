// The guide's checks run for real in a container engine (Docker, else Podman): the
// runtime has no `python`, the mounted venv prints Python 3.12.x, and the app started from
// the image as an instance (its config, secrets and writable state) answers GET /health on a
// published port.
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "builder/publish/image_loader.h"
#include "deploy/deployment.h"
#include "deploy/instance_create.h"
#include "deploy/ownership.h"
#include "deploy/status.h"
#include "builder/verify/verify.h"
#include "base/container_contract.h"
#include "base/error.h"
#include "base/local_port.h"
#include "base/subprocess.h"

namespace nanoforge::builder {
using deploy::probe_health;

namespace fs = std::filesystem;

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// How long the app may take to answer /health: the real app imports its providers and channels
// first (seconds on a loaded machine).
constexpr int kHealthSeconds = 30;

}  // namespace

void check_in_containers(const VerifyTarget& target, const oci::Layout& layout, VerifyReport& report,
                         const fs::path& scratch, Reporter& reporter) {
  if (!target.runtime_image) return;
  std::string reason;
  auto engine = find_local_engine(reason);
  if (!engine) {
    report.checks.push_back({"run", CheckResult::Status::Skip, "", "no container engine can run here: " + reason});
    return;
  }
  load_images(*engine, layout, {*target.runtime_image}, scratch);
  auto image = engine->image_name(*target.runtime_image);
  reporter.info("verify --run: using " + engine->program + " with " + image);

  auto which = run_process({engine->program, "run", "--rm", image, "which", "python"}, within_seconds(120, false));
  CheckResult no_python{"run: which python", CheckResult::Status::Pass,
                        "exit " + std::to_string(which.exit_code) + ", printed '" + first_line(which.output) + "'", ""};
  if (which.exit_code == 0 || !which.output.empty()) {
    no_python.status = CheckResult::Status::Fail;
    no_python.detail = "`" + engine->program + " run " + image + " which python` found " + first_line(which.output);
  }
  report.checks.push_back(no_python);

  if (target.venv_dir.empty()) return;
  auto mount = fs::absolute(target.venv_dir).string() + ":" + contract::kVenvMountPoint + ":ro";
  auto version = run_process({engine->program, "run", "--rm", "-v", mount, image, std::string(contract::kVenvMountPoint) + "/bin/python", "--version"},
                             within_seconds(120));
  CheckResult venv_version{"run: venv python --version", CheckResult::Status::Pass, first_line(version.output), ""};
  if (!version.ok() || !version.output.starts_with("Python " + target.python_version + ".")) {
    venv_version.status = CheckResult::Status::Fail;
    venv_version.detail = "with the venv mounted read-only: " + first_line(version.output);
  }
  report.checks.push_back(venv_version);

  // The container gets what an instance gets: the config `instance create` writes (gateway
  // host 0.0.0.0 — the app's own default is 127.0.0.1, unreachable through a published port),
  // a dummy provider key in its secrets file, and HOME, config directory and workspace
  // writable for the container's user, as `up` prepares them.
  std::mt19937 generator{std::random_device{}()};
  auto name = "nanoforge-verify-" + std::to_string(generator() % 1000000);
  int port = free_local_port();
  deploy::Deployment deployment(scratch / "verify-deployment");
  deploy::CreateRequest request;
  request.name = "verify";
  request.port = port;
  request.api_key = "sk-nanoforge-verify-not-a-real-key";
  auto instance = deploy::create_instance(deployment, request, [](int) { return false; });
  auto ownership = deploy::ownership_for(engine->program, ::geteuid(), ::getegid());
  deploy::prepare_writable_state(deployment.instance_dir(instance.name), ownership);
  std::vector<std::string> run = {engine->program, "run", "-d", "--name", name, "--read-only", "--tmpfs", "/tmp",
                                  "--user", ownership.compose_user(), "-p",
                                  "127.0.0.1:" + std::to_string(port) + ":" + std::to_string(target.port)};
  if (auto userns = ownership.userns_mode()) run.push_back("--userns=" + *userns);
  for (const auto& volume : instance.volumes(deploy::RuntimeMode::mounted)) {
    std::string host = volume.container == contract::kVenvMountPoint
                           ? fs::absolute(target.venv_dir).string()
                           : (fs::absolute(deployment.root()) / volume.host).lexically_normal().string();
    run.insert(run.end(), {"-v", host + ":" + volume.container + (volume.read_only ? ":ro" : "")});
  }
  run.push_back(image);
  auto started = run_process(run, within_seconds(120));
  CheckResult health{"run: GET /health", CheckResult::Status::Fail, "", ""};
  if (!started.ok()) {
    health.detail = "the container did not start: " + first_line(started.output);
  } else {
    auto begin = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - begin < std::chrono::seconds(kHealthSeconds)) {
      if (probe_health(port)) {
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
        health.status = CheckResult::Status::Pass;
        char figure[64];
        std::snprintf(figure, sizeof figure, "200 after %.1f s", seconds);
        health.figure = figure;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (health.status == CheckResult::Status::Fail) {
      auto logs = run_process({engine->program, "logs", name}, within_seconds(30));
      std::string log = logs.output;
      if (log.size() > 600) log = "..." + log.substr(log.size() - 600);
      health.detail = "http://127.0.0.1:" + std::to_string(port) + "/health did not answer 200 within " +
                      std::to_string(kHealthSeconds) + " s; the container's log ends: " + log;
    }
  }
  run_process({engine->program, "rm", "-f", name}, within_seconds(60));
  report.checks.push_back(health);
}

}  // namespace nanoforge::builder
