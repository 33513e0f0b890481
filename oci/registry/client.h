// A client for one registry over the OCI distribution spec v1.1: ping, blob existence,
// cross-repository mount, resumable uploads (one streamed PATCH, chunked Content-Range as the
// fallback and for resuming), manifest PUT/GET/HEAD and verified blob downloads. Safe to use
// from several threads at once; every request is authenticated and retried as the transport's
// policy says. Never prints; counts the blob bytes it sends and receives.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "oci/blob_store.h"
#include "oci/descriptor.h"
#include "oci/registry/auth.h"
#include "oci/registry/transport.h"

namespace nanoforge::oci {

// A manifest as fetched: its bytes, media type and digest (checked against the bytes).
struct FetchedManifest {
  std::string media_type;
  std::string bytes;
  Digest digest;
};

// Where an interrupted upload can be picked up: its location URL, kept between runs.
struct UploadResume {
  std::function<std::optional<std::string>()> load;   // the saved location, if any
  std::function<void(const std::string&)> save;       // called whenever the location changes
  std::function<void()> clear;                        // called when the blob is complete
};

class RegistryClient {
 public:
  RegistryClient(std::string registry, TransportOptions options = {},
                 std::optional<Credentials> credentials = std::nullopt);

  const std::string& registry() const { return registry_; }
  RegistryAuth& auth() { return auth_; }

  // GET /v2/: checks the registry answers the API; for an insecure registry, finds out
  // whether it speaks HTTPS or plain HTTP. Throws naming the registry when it does not.
  void ping();
  // GET /v2/ with credentials: throws when they are refused (for `login`).
  void check_credentials(const std::string& repository_hint = "");

  bool blob_exists(const std::string& repository, const Digest& digest);
  // POST ?mount=&from=: true when the registry mounted the blob from `from_repository`.
  bool mount_blob(const std::string& repository, const Digest& digest, const std::string& from_repository);
  // Uploads `path` (whose content is `digest`, `size` bytes) to the repository.
  void upload_blob(const std::string& repository, const Digest& digest, std::uint64_t size,
                   const std::filesystem::path& path, const UploadResume& resume = {});

  // HEAD /manifests/REF: the digest the registry has for it, or nullopt when unknown.
  std::optional<Digest> manifest_digest(const std::string& repository, const std::string& reference);
  // PUT /manifests/REF; throws with the registry's error body when rejected.
  void put_manifest(const std::string& repository, const std::string& reference, const std::string& media_type,
                    const std::string& bytes);
  FetchedManifest get_manifest(const std::string& repository, const std::string& reference);
  // Downloads a blob into `store`, checking its digest and size on every byte before it
  // appears under its name.
  void fetch_blob(const std::string& repository, const Descriptor& blob, BlobStore& store,
                  const std::function<void(std::uint64_t)>& on_received = {});

  std::uint64_t blob_bytes_sent() const { return bytes_sent_; }
  std::uint64_t blob_bytes_received() const { return bytes_received_; }
  // Requests that were answered with a retryable status or lost, then tried again.
  std::uint64_t retries() const { return retries_; }

  // Requests over HTTPS or HTTP with authentication and retries. `replayable` false: the
  // first answer or transport error is returned/thrown (uploads resynchronise themselves).
  HttpResponse send(HttpRequest request, const std::vector<std::string>& scopes, const std::string& what,
                    bool replayable = true);

 private:
  // The registry's URL of `path` ("v2/NAME/blobs/DIGEST"), percent-encoded where RFC 3986 asks.
  std::string url(const std::string& path) const;
  // The answer's Location resolved against the URL it answered (RFC 3986 §5), "" when it has
  // none; throws naming `what` when it cannot be resolved.
  std::string upload_location(const HttpResponse& response, const std::string& what) const;
  std::string start_upload(const std::string& repository, const std::string& what);
  std::optional<std::uint64_t> upload_offset(const std::string& repository, std::string& location);
  [[noreturn]] void fail(const HttpResponse& response, const std::string& what);

  std::string registry_;
  HttpTransport transport_;
  RegistryAuth auth_;
  std::atomic<std::uint64_t> bytes_sent_{0};
  std::atomic<std::uint64_t> bytes_received_{0};
  std::atomic<std::uint64_t> retries_{0};
};

// The message for a registry's error answer: "<what>: HTTP 400 MANIFEST_INVALID: ...".
std::string registry_error_message(const HttpResponse& response, const std::string& what);

}  // namespace nanoforge::oci
