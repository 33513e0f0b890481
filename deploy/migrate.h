// `instance migrate --from ~/.nanobot NAME`: a single-instance Nanobot home (config.json,
// workspace/, sessions/) becomes an instance. The guide's flat config keys are converted to
// Nanobot's schema and literal API keys move into the instance's .env.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/deployment.h"
#include "deploy/instance_create.h"

namespace nanoforge::deploy {

struct ConvertedConfig {
  nlohmann::json config;                       // Nanobot's schema, keys as ${VAR} placeholders
  std::string model;
  std::string provider;                        // the provider whose key the instance uses
  std::map<std::string, std::string> secrets;  // VAR -> the literal key found in the source
  std::vector<std::string> dropped;            // source keys with no place in the new layout
};

// Accepts Nanobot's own schema (agents.defaults...) or the guide's flat one (model, api_key,
// max_tokens...); `source` names the file in errors.
ConvertedConfig convert_nanobot_config(const nlohmann::json& config, const std::string& source);

struct MigrateRequest {
  std::filesystem::path from;  // the Nanobot home, e.g. ~/.nanobot
  std::string name;
  std::optional<int> port;
};

struct MigrateResult {
  Instance instance;
  std::vector<std::string> dropped;
  std::size_t files_copied = 0;
};

// Creates the instance from the home (staged; nothing is left behind on failure) and rewrites
// docker-compose.yml. The source is only read. The caller holds the DeploymentLock.
MigrateResult migrate_instance(const Deployment& deployment, const MigrateRequest& request,
                               const PortInUse& in_use = port_in_use_on_host);

}  // namespace nanoforge::deploy
