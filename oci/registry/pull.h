// Pulls an image from a registry into an OCI layout, so a published base image or venv can
// be reused: every byte checked against its digest before it gets its name, blobs the layout
// already has not fetched again, several fetched at once, and the tag written last.
#pragma once
#include <cstdint>
#include <optional>

#include "oci/layout.h"
#include "base/progress.h"
#include "oci/registry/credentials.h"
#include "base/remote_reference.h"
#include "oci/registry/transport.h"

namespace nanoforge::oci {

struct PullOptions {
  TransportOptions transport;
  unsigned jobs = 4;
  std::optional<Credentials> credentials;  // nullopt: find_credentials()
  Platform platform{"amd64", "linux", ""};  // chosen from an image index
};

struct PullResult {
  Descriptor manifest;                 // what `local` now points at
  std::uint64_t bytes_received = 0;    // blob bytes downloaded
  std::uint64_t blobs_fetched = 0;
  std::uint64_t blobs_present = 0;     // already in the layout
};

// Fetches `remote` (for an index, its manifest for options.platform) and tags it `local`
// in `layout`. Throws nanoforge::Error; on failure the layout's tags are unchanged.
PullResult pull_image(Layout& layout, const RemoteReference& remote, const ImageReference& local,
                      const PullOptions& options, const ProgressCallback& progress = {});

}  // namespace nanoforge::oci
