// The engine as the instance commands meet it when it may be absent: backup, restore, delete
// and status work on the files alone and use the engine only when one answers.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deploy/backup.h"
#include "deploy/deployment.h"
#include "deploy/engine.h"

namespace nanoforge::deploy {

// InstanceRuntime over a compose project: what is running is asked of the engine once and
// asked again after each stop or start.
class EngineRuntime : public InstanceRuntime {
 public:
  explicit EngineRuntime(const ComposeProject& project) : project_(project) {}
  bool is_running(const std::string& name) override;
  void stop(const std::vector<std::string>& names) override;
  void start(const std::vector<std::string>& names) override;

 private:
  const ComposeProject& project_;
  std::optional<std::map<std::string, ContainerState>> states_;
};

// The deployment's compose project when docker-compose.yml exists and the engine chosen by
// `engine_preference` (as detect_engine takes it) answers a query within
// kEngineQuerySeconds; else nullptr, with the reason in `*why_not` when given. Never throws
// for an absent or broken engine: the caller goes on without one.
std::unique_ptr<ComposeProject> project_if_available(const Deployment& deployment,
                                                     const std::string& engine_preference,
                                                     std::string* why_not = nullptr);

}  // namespace nanoforge::deploy
