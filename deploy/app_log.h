// What upstream Nanobot's own log lines say about an instance, for `status`: whether the app
// runs without a configured provider, and why it stopped or a channel failed. The strings are
// upstream's (HKUDS/nanobot 3852956a): cli/webui_support.py, config/errors.py,
// config/loader.py, optional_features.py, entrypoint.sh; examples/gateway/README.md maps them.
#pragma once
#include <string>

namespace nanoforge::deploy {

struct AppLogDiagnosis {
  // "Provider/model setup is incomplete" printed by the latest start: the gateway runs (and
  // /health answers) but every chat asks for a model.
  bool provider_unconfigured = false;
  // The latest failure the latest run's lines name, in words ("invalid settings: unknown setting 'foo'",
  // "not writable: ...", "channel dependencies could not be installed (channel whatsapp)");
  // "" when the log names none.
  std::string failure;
};

// Reads a container's log tail (stdout and stderr, any order between them). Pure.
AppLogDiagnosis diagnose_app_log(const std::string& log);

}  // namespace nanoforge::deploy
