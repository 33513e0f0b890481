// What the commands that talk to a registry share (`push`, `pull`, `login`, `build --push`,
// `venv pull`): the transport flags, and pushing images of the layout with one report line
// (and one JSON object) per image.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "builder/cli/console.h"
#include "builder/cli/global_options.h"
#include "oci/layout.h"
#include "oci/registry/push.h"

namespace nanoforge::builder {

struct RegistryFlags {
  std::vector<std::string> insecure_registries;
  std::string ca_file;
  unsigned jobs = 4;
  int retries = 5;

  void add_to(CLI::App* command);
  oci::TransportOptions transport() const;
};

using PushList = std::vector<std::pair<ImageReference, RemoteReference>>;

// Pushes every (local, remote) pair, sharing uploads; prints what was pushed and what it
// cost on the console; writes the digests (one a line) to `digest_file` when given.
// Returns one JSON object per push, for --json. Credentials never reach the output.
nlohmann::json push_and_report(const GlobalOptions& options, Console& console, const oci::Layout& layout,
                               const PushList& pushes, const RegistryFlags& flags,
                               const std::vector<std::string>& also_tags = {}, const std::string& digest_file = "");

}  // namespace nanoforge::builder
