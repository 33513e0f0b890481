// Helpers for the instance tests: a deployment in a temporary directory, made without
// touching the host's ports.
#pragma once
#include <filesystem>
#include <map>
#include <string>

#include "deploy/deployment.h"
#include "deploy/instance_create.h"
#include "test_support.h"

namespace nanoforge::testing {

inline bool no_port_in_use(int) { return false; }

inline deploy::Instance make_instance(const deploy::Deployment& deployment, const std::string& name,
                                       std::optional<int> port = std::nullopt, const std::string& soul = "assistant",
                                       const std::string& model = "gpt-4o-mini") {
  deploy::CreateRequest request;
  request.name = name;
  request.port = port;
  request.soul = soul;
  request.model = model;
  request.api_key = "sk-test-" + name;
  return deploy::create_instance(deployment, request, no_port_in_use);
}

// Every file under `root` (relative path -> contents), directories as "<dir>".
inline std::map<std::string, std::string> snapshot(const std::filesystem::path& root) {
  std::map<std::string, std::string> files;
  if (!std::filesystem::exists(root)) return files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    auto relative = entry.path().lexically_relative(root).generic_string();
    if (entry.is_directory()) files[relative] = "<dir>";
    else files[relative] = read_text(entry.path());
  }
  return files;
}

}  // namespace nanoforge::testing
