// The app's web bundle (upstream Nanobot's WebUI: a Vite app in webui/ that its hatch build
// hook, hatch_build.py, bundles into nanobot/web/dist before packaging). nanoforge either
// leaves that to the app's own build backend, builds it itself with npm in the build's copy
// of the project, or requires a bundle the project already ships, and records where the
// installed package has one (VERSION.txt), which `verify` reports and `instance create
// --webui-port` and `up` require.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "base/progress.h"

namespace nanoforge::venv {

enum class WebuiMode {
  automatic,  // the app's build backend decides (upstream's hook builds when bun or npm is there)
  build,      // nanoforge runs npm in <copy>/webui before the wheel is built
  prebuilt,   // the project already has the bundle; the backend's own WebUI build is skipped
  none,       // no WebUI: the backend's build is skipped, nothing is required
};

struct WebuiOptions {
  WebuiMode mode = WebuiMode::automatic;
  std::filesystem::path source = "webui";  // the project's npm package (package.json), relative
};

// "automatic" | "build" | "prebuilt" | "none"; parse throws nanoforge::Error naming `where`
// and the accepted values.
std::string to_string(WebuiMode mode);
WebuiMode parse_webui_mode(const std::string& text, const std::string& where);

// The variables the build backend gets for `options`: NANOBOT_SKIP_WEBUI_BUILD=1 (upstream's
// switch) unless the mode is automatic, since nanoforge built the bundle or none is wanted.
std::map<std::string, std::string> webui_backend_environment(const WebuiOptions& options);

// With mode build: in `project_copy`/source, `npm ci` (`npm install` without a
// package-lock.json) then `npm run build`, with npm's cache in `npm_cache` and the proxy, if
// any, for the npm registry. Does nothing in the other modes. Throws nanoforge::Error naming
// the directory when there is no package.json, when npm is missing (and the Debian packages
// that provide it) or when npm fails (with its last lines of output).
void build_webui(const std::filesystem::path& project_copy, const WebuiOptions& options,
                 const std::filesystem::path& npm_cache, const std::string& proxy,
                 const ProgressCallback& progress = {});

// The bundle's index.html among the files the installed project's RECORD lists (PyPA's
// "Recording installed projects"): the first ending in web/dist/index.html, as upstream's
// nanobot/web/dist/index.html (nanobot/webui/build.py default_webui_dist_dir), relative to
// `site_packages`; nullopt when it has none or the project is not installed there.
std::optional<std::filesystem::path> find_webui_bundle(const std::filesystem::path& site_packages,
                                                       const std::string& project_name);

// Throws nanoforge::Error when the mode requires a bundle (build, prebuilt) and `found`
// (find_webui_bundle's) is none, saying what to change.
void require_webui_bundle(const std::optional<std::filesystem::path>& found, const WebuiOptions& options);

}  // namespace nanoforge::venv
