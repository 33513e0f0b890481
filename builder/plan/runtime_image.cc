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
  // Every variable of the script starts with nanoforge_, a prefix the secrets format refuses,
  // so no secret can change the script's own state and no later assignment a secret.
  return "#!/bin/sh\n"
         "# nanoforge runtime entrypoint. It exports the instance's secrets, then runs the command:\n"
         "# one that names an executable on PATH runs as given (`docker run IMAGE which python`);\n"
         "# anything else is handed to the app from the shared venv mounted read-only at /opt/venv.\n"
         "# It runs under tini (PID 1), and exec makes the app tini's child, which gets SIGTERM\n"
         "# from `docker stop` through tini and whose orphaned subprocesses tini reaps.\n"
         "#\n"
         "# Secrets: $NANOFORGE_SECRETS_FILE, else " + std::string(contract::kSecretsMountPoint) + " (the instance's .env,\n"
         "# mounted read-only), when it exists. Lines of spaces and tabs and lines starting with '#'\n"
         "# (after blanks) are skipped; every other line is NAME=VALUE and VALUE, all bytes after the\n"
         "# first '=' to the end of the line, is exported as it is: no quotes removed, no $ expanded.\n"
         "# A bad line (no '=', a bad NAME, a CR at its end) stops the container before anything is\n"
         "# exported. Only sh builtins are used, so it works in the `minimal` profile too.\n"
         "nanoforge_secrets=${NANOFORGE_SECRETS_FILE:-" + std::string(contract::kSecretsMountPoint) + "}\n"
         "nanoforge_number=\n"
         "nanoforge_cr=$(printf '\\r')\n"
         "nanoforge_fail() {\n"
         "  echo \"nanobot-entrypoint: $nanoforge_secrets${nanoforge_number:+:$nanoforge_number}: $1\" >&2\n"
         "  exit 1\n"
         "}\n"
         "nanoforge_read_secrets() {  # $1: check | export\n"
         "  nanoforge_number=0\n"
         "  while IFS= read -r nanoforge_line || [ -n \"$nanoforge_line\" ]; do\n"
         "    nanoforge_number=$((nanoforge_number + 1))\n"
         "    nanoforge_rest=$nanoforge_line\n"
         "    while :; do\n"
         "      case $nanoforge_rest in\n"
         "        ' '* | '\t'*) nanoforge_rest=${nanoforge_rest#?} ;;\n"
         "        *) break ;;\n"
         "      esac\n"
         "    done\n"
         "    case $nanoforge_rest in\n"
         "      '' | '#'*) continue ;;\n"
         "    esac\n"
         "    case $nanoforge_line in\n"
         "      *\"$nanoforge_cr\") nanoforge_fail \"the line ends with a carriage return (CRLF line endings): save the file with LF line endings\" ;;\n"
         "      *=*) ;;\n"
         "      *) nanoforge_fail \"no '=' in the line: expected NAME=VALUE\" ;;\n"
         "    esac\n"
         "    case ${nanoforge_line%%=*} in\n"
         "      '' | [0123456789]* | *[!ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_]*)\n"
         "        nanoforge_fail \"the text before the first '=' is not a variable name (letters, digits and _, not starting with a digit)\" ;;\n"
         "      nanoforge_*) nanoforge_fail \"names starting with nanoforge_ are reserved for this entrypoint\" ;;\n"
         "    esac\n"
         "    if [ \"$1\" = export ]; then\n"
         "      export \"$nanoforge_line\" || nanoforge_fail \"the shell refuses to set ${nanoforge_line%%=*}\"\n"
         "    fi\n"
         "  done <\"$nanoforge_secrets\"\n"
         "}\n"
         "if [ -e \"$nanoforge_secrets\" ] || [ -L \"$nanoforge_secrets\" ]; then\n"
         "  [ -f \"$nanoforge_secrets\" ] || nanoforge_fail \"not a regular file (was the instance's .env missing when the container was created?)\"\n"
         "  [ -r \"$nanoforge_secrets\" ] || nanoforge_fail \"cannot be read by the container's user (the file needs group 1000 and mode 0640; nanoforge up sets them)\"\n"
         "  nanoforge_read_secrets check\n"
         "  nanoforge_read_secrets export\n"
         "fi\n"
         "unset nanoforge_secrets nanoforge_number nanoforge_line nanoforge_rest nanoforge_cr\n"
         "if [ \"$#\" -gt 0 ] && command -v \"$1\" >/dev/null 2>&1; then\n"
         "  exec \"$@\"\n"
         "fi\n"
         "nanoforge_app=/opt/venv/bin/" + program + "\n"
         "if [ ! -x \"$nanoforge_app\" ]; then\n"
         "  echo \"nanobot-entrypoint: $nanoforge_app not found: mount the venv read-only at /opt/venv (-v ./venv:/opt/venv:ro) or use the -full image\" >&2\n"
         "  exit 127\n"
         "fi\n"
         "if [ \"$#\" -eq 0 ]; then\n"
         "  set --" + default_arguments + "\n"
         "fi\n"
         "exec \"$nanoforge_app\" \"$@\"\n";
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
                "PYTHONUNBUFFERED=1",
                // A crash in native code prints the Python stack to the container's log.
                "PYTHONFAULTHANDLER=1"};
  config.entrypoint = {contract::kInitPath, "--", "/" + std::string(kEntrypointPath)};
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
  config.labels = {{contract::kSecretsImageLabel, contract::kSecretsMountPoint},
                   {"org.opencontainers.image.title", spec.name},
                   {"org.opencontainers.image.version", spec.version},
                   {"org.opencontainers.image.description",
                    "Nanobot runtime without system Python; the app runs from the venv at /opt/venv"}};
  config.created_epoch = spec.epoch;
  return config;
}

}  // namespace nanoforge::builder
