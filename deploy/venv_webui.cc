#include "deploy/venv_webui.h"

#include <fstream>

namespace nanoforge::deploy {

VenvWebui venv_webui(const Deployment& deployment) {
  VenvWebui result;
  std::ifstream version(deployment.venv_dir() / "VERSION.txt");
  const std::string key = "WebUI-Bundle: ";
  for (std::string line; std::getline(version, line);) {
    if (line.rfind(key, 0) != 0) continue;
    result.state = line.substr(key.size()) == "none" ? VenvWebui::State::absent : VenvWebui::State::present;
  }
  return result;
}

std::optional<std::string> missing_webui_bundle(const Deployment& deployment) {
  if (venv_webui(deployment).state != VenvWebui::State::absent) return std::nullopt;
  return "the shared venv (" + deployment.venv_dir().string() +
         ") has no WebUI bundle (its VERSION.txt says WebUI-Bundle: none), so the WebUI port would answer 404: "
         "set venv.webui: build (or prebuilt) in the spec and rebuild the venv (nanoforge build, or nanoforge venv "
         "update --webui build)";
}

}  // namespace nanoforge::deploy
