#include "builder/plan/runtime_image.h"

#include "base/container_contract.h"

namespace nanoforge::builder {

namespace {
// Single-quotes a word for /bin/sh.
std::string quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}
}  // namespace

std::string entrypoint_script(const std::vector<std::string>& app_command) {
  std::string program = app_command.empty() ? "nanobot" : app_command.front();
  std::string default_arguments;
  for (std::size_t i = 1; i < app_command.size(); ++i) default_arguments += " " + quote(app_command[i]);
  return "#!/bin/sh\n"
         "# nanoforge runtime entrypoint. A command that names an executable on PATH runs as\n"
         "# given (`docker run IMAGE which python`); anything else is handed to the app from the\n"
         "# shared venv mounted read-only at /opt/venv. exec keeps the app as PID 1, so it gets\n"
         "# SIGTERM from `docker stop` directly.\n"
         "if [ \"$#\" -gt 0 ] && command -v \"$1\" >/dev/null 2>&1; then\n"
         "  exec \"$@\"\n"
         "fi\n"
         "app=/opt/venv/bin/" + program + "\n"
         "if [ ! -x \"$app\" ]; then\n"
         "  echo \"nanobot-entrypoint: $app not found: mount the venv read-only at /opt/venv (-v ./venv:/opt/venv:ro) or use the -full image\" >&2\n"
         "  exit 127\n"
         "fi\n"
         "if [ \"$#\" -eq 0 ]; then\n"
         "  set --" + default_arguments + "\n"
         "fi\n"
         "exec \"$app\" \"$@\"\n";
}

oci::LayerEntry entrypoint_entry(const std::vector<std::string>& app_command) {
  oci::LayerEntry entry;
  entry.path = kEntrypointPath;
  entry.type = oci::EntryType::Regular;
  entry.mode = 0755;
  entry.data = entrypoint_script(app_command);
  entry.size = entry.data.size();
  return entry;
}

oci::ImageConfig runtime_image_config(const Spec& spec) {
  const RuntimeSpec& runtime = *spec.runtime;
  oci::ImageConfig config;
  config.user = std::to_string(runtime.uid) + ":" + std::to_string(runtime.gid);
  config.env = {"HOME=" + runtime.home,
                std::string("PATH=") + contract::kImagePath,
                "LANG=C.UTF-8",
                // The venv is mounted read-only: no bytecode writes, and output unbuffered for logs.
                "PYTHONDONTWRITEBYTECODE=1",
                "PYTHONUNBUFFERED=1"};
  config.entrypoint = {"/" + std::string(kEntrypointPath)};
  config.working_dir = runtime.home;
  config.exposed_ports = {std::to_string(runtime.port) + "/tcp"};
  config.stop_signal = "SIGTERM";
  oci::Healthcheck check;
  check.test = contract::healthcheck_command(runtime.port);
  check.interval_ns = 30'000'000'000;
  check.timeout_ns = 5'000'000'000;
  check.start_period_ns = 10'000'000'000;
  check.retries = 3;
  config.healthcheck = check;
  config.labels = {{"org.opencontainers.image.title", spec.name},
                   {"org.opencontainers.image.version", spec.version},
                   {"org.opencontainers.image.description",
                    "Nanobot runtime without system Python; the app runs from the venv at /opt/venv"}};
  config.created_epoch = spec.epoch;
  return config;
}

}  // namespace nanoforge::builder
