// `instance create`: a complete instance directory, built under a staging name and renamed
// into place, so a failed create leaves nothing behind and an existing instance is never touched.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "deploy/deployment.h"
#include "deploy/instance.h"

namespace nanoforge::deploy {

struct CreateRequest {
  std::string name;
  std::optional<int> port;       // none: the next free port from 18790
  std::string model = "gpt-4o-mini";
  std::string soul = "assistant";
  std::string provider;          // empty: implied by the model (upstream's registry); else a
                                 // built-in provider (any spelling upstream takes) or, with
                                 // api_base, a custom OpenAI-compatible one
  std::string api_base;          // the provider's endpoint; needed for custom and local providers
  std::vector<std::string> fallbacks;  // "MODEL[@PROVIDER]", tried in order when the model fails
  std::optional<int> context_window;   // tokens
  std::string api_key_env;       // empty: <PROVIDER>_API_KEY
  std::optional<std::string> api_key;  // the secret, written only to .env
  // When api_key is unset, take it from the environment variable the instance's key lives in
  // (known only once the provider is settled), as the command line does.
  bool api_key_from_environment = false;
  std::optional<int> webui_port;
  std::optional<int> api_port;  // `nanobot serve` on this host port, in a container of its own
};

// True when something on the host listens on the port (0.0.0.0 or 127.0.0.1).
using PortInUse = std::function<bool(int port)>;
bool port_in_use_on_host(int port);

// The lowest port from 18790 that no instance publishes and nothing on the host uses.
int next_free_port(const std::vector<Instance>& instances, const PortInUse& in_use, int after = 0);

// An instance directory written under instances/.staging-NAME-*; removed on destruction unless
// commit() renamed it to instances/NAME.
class StagedInstance {
 public:
  StagedInstance(const Deployment& deployment, Instance instance);
  ~StagedInstance();
  StagedInstance(const StagedInstance&) = delete;
  StagedInstance& operator=(const StagedInstance&) = delete;

  const Instance& instance() const { return instance_; }
  const std::filesystem::path& path() const { return staging_; }
  // Renames into place; throws when instances/NAME appeared meanwhile. The caller fsyncs
  // the instances directory once the compose file names the instance.
  void commit();

 private:
  std::filesystem::path staging_;
  std::filesystem::path target_;
  Instance instance_;
  bool committed_ = false;
};

// Validates `request` against the deployment and its `existing` instances (loaded once by the
// caller) and builds the Instance (port chosen, provider and key variable filled in). Throws
// nanoforge::Error for every bad input; changes nothing.
Instance plan_instance(const Deployment& deployment, const std::vector<Instance>& existing,
                       const CreateRequest& request, const PortInUse& in_use);

// Writes the instance's files into a staging directory (owned by uid/gid 1000 when run as root).
std::unique_ptr<StagedInstance> stage_instance(const Deployment& deployment, const Instance& instance,
                                               const std::optional<std::string>& api_key);

// Moves `staged` into place and rewrites docker-compose.yml with it and the `existing`
// instances plan_instance saw; undoes the move when the compose file cannot be written. The
// caller holds the DeploymentLock, so `existing` is still the whole deployment.
void commit_instance_and_compose(const Deployment& deployment, StagedInstance& staged,
                                 std::vector<Instance> existing);

// Loads the deployment's instances once, then plan + stage + commit. The caller holds the
// DeploymentLock.
Instance create_instance(const Deployment& deployment, const CreateRequest& request,
                         const PortInUse& in_use = port_in_use_on_host);

// Writes a new file (O_EXCL) with `mode`; the staging directory is renamed into place later.
void write_new_file(const std::filesystem::path& path, std::string_view content, unsigned mode = 0644);

}  // namespace nanoforge::deploy
