// What the commands that talk to a registry share (`push`, `pull`, `login`, `build --push`,
// `venv pull`): the transport settings, and pushing images of the layout with one report line
// (and one JSON object) per image.
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/reporter.h"
#include "oci/layout.h"
#include "oci/registry/push.h"

namespace nanoforge::builder {

// How to reach registries (the CLI fills it from --insecure-registry, --ca-file, --jobs, --retries).
struct RegistryFlags {
  std::vector<std::string> insecure_registries;
  std::string ca_file;
  unsigned jobs = 4;
  int retries = 5;

  oci::TransportOptions transport() const;
};

struct PushSettings {
  RegistryFlags registry;
  // Upload locations (to resume a killed push) and where each blob went (to mount it).
  std::filesystem::path state_directory;
  std::vector<std::string> also_tags;  // more tags for the same manifest
  std::string digest_file;             // empty: none written
};

using PushList = std::vector<std::pair<ImageReference, RemoteReference>>;

// Pushes every (local, remote) pair, sharing uploads; reports progress and, as info, what
// was pushed and what it cost; writes the digests (one a line) to `settings.digest_file`
// when given. Returns one JSON object per push (image, digest, references, blob counts).
// Credentials never reach the report. Throws oci::RegistryError (and Error) from the push.
nlohmann::json push_and_report(Reporter& reporter, const oci::Layout& layout, const PushList& pushes,
                               const PushSettings& settings);

}  // namespace nanoforge::builder
