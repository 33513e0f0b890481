#include "venv/webui_bundle.h"


#include "base/error.h"
#include "base/subprocess.h"
#include "venv/pip_install.h"
#include "venv/process.h"
#include "venv/record_file.h"

namespace nanoforge::venv {

namespace fs = std::filesystem;

std::string to_string(WebuiMode mode) {
  switch (mode) {
    case WebuiMode::automatic: return "automatic";
    case WebuiMode::build: return "build";
    case WebuiMode::prebuilt: return "prebuilt";
    case WebuiMode::none: return "none";
  }
  return "automatic";
}

WebuiMode parse_webui_mode(const std::string& text, const std::string& where) {
  for (WebuiMode mode : {WebuiMode::automatic, WebuiMode::build, WebuiMode::prebuilt, WebuiMode::none})
    if (text == to_string(mode)) return mode;
  throw Error(where + ": '" + text + "' is not a WebUI mode (expected build, prebuilt, none or automatic)");
}

std::map<std::string, std::string> webui_backend_environment(const WebuiOptions& options) {
  if (options.mode == WebuiMode::automatic) return {};
  return {{"NANOBOT_SKIP_WEBUI_BUILD", "1"}};
}

void build_webui(const fs::path& project_copy, const WebuiOptions& options, const fs::path& npm_cache,
                 const std::string& proxy, const ProgressCallback& progress) {
  if (options.mode != WebuiMode::build) return;
  const fs::path package = project_copy / options.source;
  if (!fs::is_regular_file(package / "package.json"))
    throw Error("venv.webui is build, but the project has no " + (options.source / "package.json").string() +
                " (the WebUI's npm package); use prebuilt when the project ships the bundle, or none");
  if (!program_exists("npm"))
    throw Error("venv.webui is build, which needs npm to bundle " + options.source.string() +
                "/: install it (Debian: apt-get install nodejs npm), or use a prebuilt bundle (webui: prebuilt)");
  ProcessOptions environment;
  environment.working_directory = package;
  // npm's own state stays in nanoforge's cache, not in the user's ~/.npm; no prompts, no audit
  // or funding requests to the registry: the build must not depend on them.
  environment.environment = {{"npm_config_cache", npm_cache.string()},
                             {"npm_config_update_notifier", "false"},
                             {"npm_config_audit", "false"},
                             {"npm_config_fund", "false"},
                             {"npm_config_yes", "true"},
                             {"CI", "1"}};
  if (!proxy.empty())
    for (const char* name : {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"})
      environment.environment[name] = proxy;
  // `npm ci` installs exactly the lock; a package without one can only be resolved.
  std::vector<std::string> install = fs::exists(package / "package-lock.json")
                                         ? std::vector<std::string>{"npm", "ci"}
                                         : std::vector<std::string>{"npm", "install"};
  if (progress) progress({install[0] + " " + install[1] + " in " + options.source.string(), 0, 0, "steps"});
  run_checked(install[0] + " " + install[1] + " in " + package.string(), install, environment);
  if (progress) progress({"npm run build in " + options.source.string(), 0, 0, "steps"});
  run_checked("npm run build in " + package.string(), {"npm", "run", "build"}, environment);
}

std::optional<fs::path> find_webui_bundle(const fs::path& site_packages, const std::string& project_name) {
  fs::path dist_info = find_dist_info(site_packages, project_name);
  if (dist_info.empty()) return std::nullopt;
  const std::string suffix = "web/dist/index.html";
  for (const auto& path : recorded_paths(dist_info))
    if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        (path.size() == suffix.size() || path[path.size() - suffix.size() - 1] == '/') &&
        fs::is_regular_file(site_packages / path))
      return fs::path(path);
  return std::nullopt;
}

void require_webui_bundle(const std::optional<fs::path>& found, const WebuiOptions& options) {
  if (found || (options.mode != WebuiMode::build && options.mode != WebuiMode::prebuilt)) return;
  if (options.mode == WebuiMode::build)
    throw Error("venv.webui is build and npm run build succeeded, but the installed project has no "
                "PACKAGE/web/dist/index.html: the bundler writes its output elsewhere (its output directory must be "
                "a web/dist inside the Python package, as upstream's nanobot/web/dist), or the package does not "
                "include it (package data)");
  throw Error("venv.webui is prebuilt, but the installed project has no PACKAGE/web/dist/index.html: put the "
              "built bundle there in the project (and include it as package data), or use webui: build");
}

}  // namespace nanoforge::venv
