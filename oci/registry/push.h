// Pushes images from an OCI layout to a registry: every blob once however many tags are
// pushed, blobs the registry has skipped, blobs another repository of the registry holds
// mounted, the rest uploaded (several at once, resumable), and manifests PUT last, so a
// failed push never leaves a tag pointing at something half-uploaded.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "oci/layout.h"
#include "base/progress.h"
#include "oci/registry/credentials.h"
#include "base/remote_reference.h"
#include "oci/registry/transport.h"

namespace nanoforge::oci {

struct PushOptions {
  TransportOptions transport;
  unsigned jobs = 4;                          // blobs in flight at once
  std::vector<std::string> also_tags;         // more tags in the destination repository
  std::optional<Credentials> credentials;     // nullopt: find_credentials()
  // Where upload locations (to resume a killed push) and the repositories each blob was
  // pushed to (to mount instead of upload) are remembered; empty: nothing is remembered.
  std::filesystem::path state_directory;
  std::vector<std::string> mount_from;        // repositories of the same registry to mount from
};

struct PushResult {
  Digest digest;                           // of the pushed manifest (or index)
  std::vector<std::string> references;     // every registry/repository:tag (or @digest) written
  std::uint64_t bytes_sent = 0;            // blob bytes put on the network (retries included)
  std::uint64_t bytes_total = 0;           // size of every blob the image needs
  std::uint64_t blobs_uploaded = 0;
  std::uint64_t blobs_skipped = 0;         // already in the repository
  std::uint64_t blobs_mounted = 0;         // mounted from another repository
  std::uint64_t retries = 0;               // requests tried again after a transient failure
};

// Pushes the image `local` names in `layout` to `remote` (its tag, or by digest when it has
// only a digest — which must then match) and to every also_tags tag. Throws
// nanoforge::Error; the layout is only read.
PushResult push_image(const Layout& layout, const ImageReference& local, const RemoteReference& remote,
                      const PushOptions& options, const ProgressCallback& progress = {});

// Several pushes sharing connections, tokens and blob uploads (e.g. every tag of a layout).
std::vector<PushResult> push_images(const Layout& layout,
                                    const std::vector<std::pair<ImageReference, RemoteReference>>& pushes,
                                    const PushOptions& options, const ProgressCallback& progress = {});

}  // namespace nanoforge::oci
