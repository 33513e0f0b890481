#include "deploy/deployment.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <optional>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/file_chunks.h"
#include "deploy/nanobot_config_check.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;
using nlohmann::json;

Deployment::Deployment(fs::path root) : root_(fs::absolute(std::move(root)).lexically_normal()) {
  if (!root_.has_filename()) root_ = root_.parent_path();  // "dir/" -> "dir"
}

std::vector<fs::path> Deployment::state_paths() const {
  return {compose_file(), compose_cache_file(), instances_dir(), venv_dir(), settings_file(), lock_file(), backups_dir()};
}

fs::path Deployment::instance_dir(std::string_view name) const {
  return root_ / instance_files::directory(name);
}

std::string project_name_for(const fs::path& directory) {
  std::string name;
  for (char c : directory.filename().string()) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) name += static_cast<char>(std::tolower(u));
    else if (c == '-' || c == '_') name += c;
  }
  while (!name.empty() && !std::isalnum(static_cast<unsigned char>(name.front()))) name.erase(0, 1);
  return name.empty() ? "nanobot" : name;
}

DeploymentSettings Deployment::settings() const {
  DeploymentSettings settings;
  settings.project = project_name_for(root_);
  if (!fs::exists(settings_file())) return settings;
  json object = parse_json_file(settings_file());
  std::string source = settings_file().string();
  if (!object.is_object()) throw Error(source + ": expected a JSON object");
  try {
    settings.image = object.value("image", settings.image);
    settings.mode = parse_runtime_mode(object.value("mode", std::string("mounted")));
    settings.publish_address = object.value("publish", settings.publish_address);
    settings.project = object.value("project", settings.project);
    settings.network = object.value("network", settings.network);
    settings.engine = object.value("engine", settings.engine);
    if (settings.engine != "" && settings.engine != "docker" && settings.engine != "podman")
      throw Error("engine: expected \"docker\" or \"podman\", got \"" + settings.engine + "\"");
    // Both reach docker-compose.yml and INSTANCE_INFO.txt: a hand edit must not change them.
    validate_image_reference(settings.image);
    validate_publish_address(settings.publish_address);
  } catch (const json::exception& error) {
    throw Error(source + ": " + error.what());
  } catch (const Error& error) {
    throw Error(source + ": " + error.what());
  }
  return settings;
}

void Deployment::save_settings(const DeploymentSettings& settings) const {
  json object = {{"image", settings.image},
                 {"mode", to_string(settings.mode)},
                 {"publish", settings.publish_address},
                 {"project", settings.project},
                 {"network", settings.network}};
  if (!settings.engine.empty()) object["engine"] = settings.engine;
  write_file_atomically(settings_file(), object.dump(2) + "\n");
}

std::vector<std::string> Deployment::instance_names() const {
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(instances_dir(), error), end; !error && it != end; it.increment(error)) {
    auto name = it->path().filename().string();
    if (name.empty() || name.front() == '.') continue;  // staging directories of a create/restore
    if (fs::exists(it->path() / instance_files::kRecord)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool Deployment::has_instance(std::string_view name) const {
  return fs::exists(instance_dir(name));
}

Instance Deployment::load_instance(std::string_view name) const {
  fs::path dir = instance_dir(name);
  fs::path record = dir / instance_files::kRecord;
  std::optional<std::string> record_text = read_file_if_exists(record);
  if (!record_text)
    throw Error("no instance '" + std::string(name) + "' in " + root_.string() + " (missing " +
                record.string() + ")");
  Instance instance = instance_from_json(parse_json_text(*record_text, record.string()), record.string());
  if (instance.name != name)
    throw Error(record.string() + ": names instance '" + instance.name + "' but lives in directory '" +
                std::string(name) + "'");
  // A hand-edited config must still be JSON; what it says about model, provider and ports
  // wins over the record's copy, which was only true the day the instance was created.
  fs::path config = dir / instance_files::kConfig;
  if (std::optional<std::string> config_text = read_file_if_exists(config)) {
    AppSettings app = read_app_settings(parse_json_text(*config_text, config.string()));
    instance.model = app.model;
    instance.preset = app.preset;
    if (!app.provider.empty()) instance.provider = app.provider;
    instance.gateway_port_inside = app.gateway_port;
    instance.webui_port_inside = app.webui_port;
    instance.api_port_inside = app.api_port;
  }
  return instance;
}

std::vector<Instance> Deployment::load_instances() const {
  std::vector<Instance> instances;
  for (const auto& name : instance_names()) instances.push_back(load_instance(name));
  return instances;
}

DeploymentLock::DeploymentLock(const Deployment& deployment) {
  fs::create_directories(deployment.root());
  fd_ = ::open(deployment.lock_file().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_system_error("cannot open the deployment lock", deployment.lock_file().string());
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int saved = errno;
    ::close(fd_);
    errno = saved;
    throw_system_error("cannot lock the deployment", deployment.lock_file().string());
  }
}

DeploymentLock::~DeploymentLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace nanoforge::deploy
