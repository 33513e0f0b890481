// Whether the deployment's shared venv holds the app's WebUI bundle, as the venv build
// recorded it in venv/VERSION.txt ("WebUI-Bundle: nanobot/web/dist/index.html" or "none";
// venv/webui_bundle.h writes it). An instance that publishes a WebUI port needs it: without
// it upstream serves 404 on every page (channels/manager.py _default_webui_dist).
#pragma once
#include <optional>
#include <string>

#include "deploy/deployment.h"

namespace nanoforge::deploy {

struct VenvWebui {
  enum class State { unknown, present, absent };
  State state = State::unknown;  // unknown: no ./venv, or one built before the record existed
};

// Reads ./venv/VERSION.txt of `deployment`; never throws (an unreadable file is unknown).
VenvWebui venv_webui(const Deployment& deployment);

// When the venv is known to have no bundle: why an instance cannot publish a WebUI, and the
// spec change that adds one; nullopt when it has one or nothing is known.
std::optional<std::string> missing_webui_bundle(const Deployment& deployment);

}  // namespace nanoforge::deploy
