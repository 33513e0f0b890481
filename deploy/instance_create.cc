#include "deploy/instance_create.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <sstream>

#include "base/atomic_file.h"
#include "base/container_contract.h"
#include "base/error.h"
#include "base/joined.h"
#include "base/random_secret.h"
#include "base/random_suffix.h"
#include "deploy/secrets_file.h"
#include "deploy/closest_name.h"
#include "deploy/compose.h"
#include "deploy/instance_check.h"
#include "deploy/instance_config.h"
#include "deploy/instance_souls.h"
#include "deploy/ownership.h"
#include "deploy/venv_webui.h"
#include "deploy/nanobot_schema.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;

namespace {

bool can_bind(int port, in_addr_t address) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // cannot tell; do not claim the port is taken
  int yes = 1;
  // TIME_WAIT leftovers do not keep an engine from publishing the port; listeners do.
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in socket_address{};
  socket_address.sin_family = AF_INET;
  socket_address.sin_port = htons(static_cast<uint16_t>(port));
  socket_address.sin_addr.s_addr = address;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&socket_address), sizeof socket_address) == 0;
  ::close(fd);
  return ok || errno != EADDRINUSE;
}


}  // namespace

bool port_in_use_on_host(int port) {
  return !can_bind(port, htonl(INADDR_ANY)) || !can_bind(port, htonl(INADDR_LOOPBACK));
}

int next_free_port(const std::vector<Instance>& instances, const PortInUse& in_use, int after) {
  std::set<int> taken;
  for (const auto& instance : instances)
    for (int port : instance.host_ports()) taken.insert(port);
  for (int port = std::max(kFirstInstancePort, after + 1); port <= 65535; ++port)
    if (!taken.count(port) && !in_use(port)) return port;
  throw Error("no free port from " + std::to_string(kFirstInstancePort) + " to 65535");
}

void write_new_file(const fs::path& path, std::string_view content, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw_system_error("cannot create", path.string());
  ::fchmod(fd, mode);
  const char* bytes = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd, bytes, left);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      ::close(fd);
      throw_system_error("cannot write", path.string());
    }
    bytes += written;
    left -= static_cast<std::size_t>(written);
  }
  if (::close(fd) != 0) throw_system_error("cannot write", path.string());
}

StagedInstance::StagedInstance(const Deployment& deployment, Instance instance)
    : target_(deployment.instance_dir(instance.name)), instance_(std::move(instance)) {
  fs::create_directories(deployment.instances_dir());
  staging_ = deployment.instances_dir() / (".staging-" + instance_.name + "-" + random_suffix());
  fs::create_directory(staging_);
}

StagedInstance::~StagedInstance() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void StagedInstance::commit() {
  if (fs::exists(target_))
    throw Error("instance '" + instance_.name + "' already exists: " + target_.string() +
                " (nanoforge never overwrites an instance)");
  if (::rename(staging_.c_str(), target_.c_str()) != 0)
    throw_system_error("cannot move the new instance into place", target_.string());
  committed_ = true;
}

namespace {

struct ProviderChoice {
  std::string name;  // registry name, or the custom key as given
  bool needs_key = true;
  bool needs_login = false;  // OAuth
  std::string api_base;  // "" for the provider's own default
};

// `requested` checked against upstream's provider registry (providers/registry.py
// find_by_name: any spelling it normalises), "" meaning the one the model implies. A name that
// is no built-in is a custom OpenAI-compatible provider, which needs `api_base`. A local one
// (Ollama, LM Studio...) without `api_base` is its default address on the host, reached from
// the container as ${HOST_GATEWAY} (base/container_contract.h).
ProviderChoice choose_provider(const std::string& requested, const std::string& model, const std::string& api_base,
                               const std::string& option) {
  const auto& schema = nanobot::NanobotSchema::upstream();
  std::string name = requested.empty() ? provider_for_model(model) : requested;
  const nanobot::ProviderSpec* spec = schema.find_provider(name);
  // On the command line any spelling of a built-in's name will do (OpenAI, lm-studio,
  // LM_STUDIO); config.json gets the registry's.
  for (const auto& builtin : schema.providers())
    if (!spec && same_name_loosely(builtin.name, name)) spec = &builtin;
  if (!spec) {
    validate_provider(name);
    if (api_base.empty()) {
      std::vector<std::string> known;
      for (const auto& builtin : schema.providers())
        if (!builtin.is_transcription_only) known.push_back(builtin.name);
      std::string suggestion = closest_name(name, known);
      throw Error(option + ": '" + name + "' is not one of upstream Nanobot's providers" +
                  (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") + "; they are " + joined(known) +
                  ". For an OpenAI-compatible endpoint of your own, give its URL with --api-base");
    }
    return {name, true, false, api_base};
  }
  if (spec->is_transcription_only)
    throw Error(option + ": '" + spec->name + "' only transcribes audio; pick a provider that serves " + model);
  std::string endpoint = api_base;
  if (spec->is_local && endpoint.empty()) {
    // On this host, reached by name from the container: its localhost is not the host's.
    endpoint = via_host_gateway(spec->default_api_base).value_or(spec->default_api_base);
    if (endpoint.empty())
      throw Error(option + ": '" + spec->name + "' runs on your machine and upstream knows no default address for it: "
                  "give its URL with --api-base, e.g. --api-base 'http://${HOST_GATEWAY}:8000/v1' (the host, "
                  "from inside the container; in single quotes, so your shell leaves ${HOST_GATEWAY} for the "
                  "container)");
  } else if (spec->is_direct && spec->default_api_base.empty() && endpoint.empty()) {
    // "custom" and its kind: an endpoint of one's own, so there is no default to fall back on
    // (providers/factory.py: "requires api_base in config").
    throw Error(option + ": '" + spec->name + "' is an OpenAI-compatible endpoint of your own: give its URL with "
                "--api-base");
  }
  return {spec->name, !(spec->is_local || spec->is_oauth), spec->is_oauth, endpoint};
}

}  // namespace

Instance plan_instance(const Deployment& deployment, const std::vector<Instance>& existing,
                       const CreateRequest& request, const PortInUse& in_use) {
  validate_instance_name(request.name);
  validate_model(request.model);
  validate_soul(request.soul);
  if (deployment.has_instance(request.name))
    throw Error("instance '" + request.name + "' already exists in " +
                deployment.instance_dir(request.name).string() +
                "; nanoforge never overwrites an instance (delete it first, or pick another name)");

  auto check_port = [&](int port, const std::string& what) {
    validate_port(port, what);
    for (const auto& other : existing)
      for (int used : other.host_ports())
        if (used == port)
          throw Error(what + " " + std::to_string(port) + " is already used by instance '" + other.name + "'");
    if (in_use(port))
      throw Error(what + " " + std::to_string(port) +
                  " is in use on this host (something listens on it); pick another port");
  };

  Instance instance;
  instance.name = request.name;
  instance.model = request.model;
  instance.soul = request.soul;
  if (!request.api_base.empty()) validate_api_base(request.api_base);
  ProviderChoice main = choose_provider(request.provider, request.model, request.api_base, "--provider");
  instance.provider = main.name;
  instance.setup.api_base = main.api_base;
  instance.setup.needs_key = main.needs_key;
  instance.setup.needs_login = main.needs_login;
  instance.api_key_env = request.api_key_env.empty() ? default_api_key_env(instance.provider) : request.api_key_env;
  validate_env_var_name(instance.api_key_env);
  for (const auto& fallback : request.fallbacks) {
    auto at = fallback.rfind('@');
    std::string model = at == std::string::npos ? fallback : fallback.substr(0, at);
    std::string provider = at == std::string::npos ? "" : fallback.substr(at + 1);
    try {
      validate_model(model);
      if (at != std::string::npos && provider.empty()) throw Error("no provider after '@'");
    } catch (const Error& error) {
      throw Error("--fallback " + fallback + ": " + error.what() + " (expected MODEL or MODEL@PROVIDER)");
    }
    // A fallback on the main provider shares its endpoint; another custom one has none to use.
    ProviderChoice choice = choose_provider(provider, model, provider == instance.provider ? request.api_base : "",
                                            "--fallback " + fallback);
    if (model == instance.model && choice.name == instance.provider)
      throw Error("--fallback " + fallback + ": the same model and provider as the main one; a fallback is used when "
                  "that one fails");
    instance.setup.fallbacks.push_back(
        {model, choice.name, choice.needs_key ? default_api_key_env(choice.name) : "", choice.api_base});
  }
  if (request.context_window) {
    if (*request.context_window < 1024 || *request.context_window > 100'000'000)
      throw Error("--context-window " + std::to_string(*request.context_window) + ": expected tokens, 1024 or more");
    instance.setup.context_window = request.context_window;
  }
  if (request.port) {
    check_port(*request.port, "port");
    instance.port = *request.port;
  } else {
    instance.port = next_free_port(existing, in_use);
  }
  if (request.webui_port) {
    if (*request.webui_port == instance.port)
      throw Error("WebUI port " + std::to_string(*request.webui_port) + " is the instance's gateway port");
    check_port(*request.webui_port, "WebUI port");
    instance.webui_port = request.webui_port;
    instance.setup.web_token = random_secret();
  }
  if (request.api_port) {
    for (auto [other, what] : {std::pair{std::optional<int>(instance.port), "gateway"}, {instance.webui_port, "WebUI"}})
      if (other && *other == *request.api_port)
        throw Error("API port " + std::to_string(*request.api_port) + " is the instance's " + what + " port");
    check_port(*request.api_port, "API port");
    instance.api_port = request.api_port;
    instance.setup.api_key = random_secret();
  }
  return instance;
}

std::unique_ptr<StagedInstance> stage_instance(const Deployment& deployment, const Instance& instance,
                                               const std::optional<std::string>& api_key) {
  auto staged = std::make_unique<StagedInstance>(deployment, instance);
  const fs::path& dir = staged->path();
  for (const char* sub : {"config", "config/sessions", "workspace", "workspace/memory", "workspace/skills"})
    fs::create_directory(dir / sub);
  DeploymentSettings settings = deployment.settings();
  write_new_file(dir / instance_files::kConfig, nanobot_config(instance).dump(2) + "\n");
  write_new_file(dir / instance_files::kSoul, soul_text(instance.soul, instance.name, deployment.root()));
  write_new_file(dir / "workspace/AGENTS.md", agents_md(instance));
  write_new_file(dir / instance_files::kInfo, instance_info(instance, settings));
  write_new_file(dir / instance_files::kOverride, override_stub(instance));
  write_new_file(dir / instance_files::kRecord, to_json(instance).dump(2) + "\n");
  // The container writes config/, workspace/ and home/; the record, the override and the
  // secret stay with the user who runs nanoforge.
  prepare_writable_state(dir, deployment_ownership(deployment));
  write_new_file(dir / instance_files::kSecrets, secrets_env(instance, api_key), 0600);
  give_secrets_to_instance_group(dir / instance_files::kSecrets);  // the container's user reads it
  return staged;
}

void commit_instance_and_compose(const Deployment& deployment, StagedInstance& staged,
                                 std::vector<Instance> existing) {
  std::vector<Instance> instances = std::move(existing);
  instances.push_back(staged.instance());
  std::sort(instances.begin(), instances.end(),
            [](const Instance& a, const Instance& b) { return a.name < b.name; });
  // Render first: a broken override or config elsewhere fails the create before anything moves.
  std::string compose = render_compose(deployment, instances, {{staged.instance().name, staged.path()}});
  staged.commit();
  try {
    write_file_atomically(deployment.compose_file(), compose);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(deployment.instance_dir(staged.instance().name), ignored);
    throw;
  }
  // Last: the compose file's fsync has already committed this rename to the journal on most
  // filesystems, so this costs nothing there; a directory fsync first would wait for a commit
  // of its own, which on a busy disk takes longer than everything else a create does.
  sync_directory(deployment.instances_dir());
}

Instance create_instance(const Deployment& deployment, const CreateRequest& request, const PortInUse& in_use) {
  // One read of every instance serves the name and port checks and the compose file.
  std::vector<Instance> existing = deployment.load_instances();
  Instance instance = plan_instance(deployment, existing, request, in_use);
  if (auto missing = instance.webui_port ? missing_webui_bundle(deployment) : std::nullopt)
    throw Error("cannot create instance '" + instance.name + "' with --webui-port: " + *missing +
                "; nothing was created");
  std::optional<std::string> api_key = request.api_key;
  if (!api_key && request.api_key_from_environment)
    if (const char* value = std::getenv(instance.api_key_env.c_str()); value && *value) api_key = value;
  if (api_key) {
    try {
      check_secret(instance.api_key_env, *api_key);
    } catch (const Error& error) {
      throw Error("cannot create instance '" + instance.name + "': " + error.what() +
                  (request.api_key ? "" : " (taken from the environment variable " + instance.api_key_env + ")") +
                  "; nothing was created");
    }
  }
  auto staged = stage_instance(deployment, instance, api_key);
  // What create wrote must start under Nanobot's own rules, as `up` will require; a fault here
  // is in nanoforge's rendering of the options, so it names them.
  InstanceConfigCheck checked = check_instance_directory(instance.name, staged->path());
  if (!checked.check.starts())
    throw Error("cannot create instance '" + instance.name + "': the config.json made from these options would not "
                "start Nanobot:\n" + checked.text() + "nothing was created");
  commit_instance_and_compose(deployment, *staged, std::move(existing));
  return instance;
}

}  // namespace nanoforge::deploy
