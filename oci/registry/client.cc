#include "oci/registry/client.h"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/retry.h"
#include "base/url.h"

namespace nanoforge::oci {

namespace {

// Blobs up to this size go up in one PUT after the POST (two round trips instead of three).
constexpr std::uint64_t kSinglePutLimit = 1 << 20;
// Chunk size when the registry refuses one large PATCH.
constexpr std::uint64_t kChunkSize = 16 << 20;

const char* kManifestAccept =
    "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

// "0-1234" -> 1235 bytes received. Distribution says "0-0" for both 0 and 1 bytes; taking 0
// is safe: a wrong guess is refused with 416 and the upload starts again.
std::optional<std::uint64_t> parse_range_end(const std::string& range) {
  auto dash = range.find('-');
  if (dash == std::string::npos) return std::nullopt;
  try {
    auto end = std::stoull(range.substr(dash + 1));
    return end == 0 ? 0 : end + 1;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string registry_error_message(const HttpResponse& response, const std::string& what) {
  std::string message = what + ": HTTP " + std::to_string(response.status);
  try {
    auto json = nlohmann::json::parse(response.body);
    if (json.contains("errors") && json["errors"].is_array()) {
      for (const auto& error : json["errors"]) {
        message += " " + error.value("code", std::string("ERROR")) + ": " + error.value("message", std::string());
        if (error.contains("detail") && !error["detail"].is_null()) {
          auto detail = error["detail"].dump();
          message += " (" + (detail.size() > 300 ? detail.substr(0, 300) + "..." : detail) + ")";
        }
      }
      return message;
    }
  } catch (const nlohmann::json::exception&) {
  }
  auto line = response.body.substr(0, response.body.find('\n'));
  if (!line.empty()) message += " " + (line.size() > 300 ? line.substr(0, 300) + "..." : line);
  return message;
}

RegistryClient::RegistryClient(std::string registry, TransportOptions options, std::optional<Credentials> credentials)
    : registry_(std::move(registry)),
      transport_(std::move(options)),
      auth_(transport_, registry_, std::move(credentials)) {}

std::string RegistryClient::url(const std::string& path) const { return url_below(transport_.base_url(registry_), path); }

std::string RegistryClient::upload_location(const HttpResponse& response, const std::string& what) const {
  auto header = response.header("Location");
  if (header.empty()) return "";
  // Relative to the request that got this answer (RFC 7231 §7.1.2), which the distribution
  // spec allows: "<uuid>?_state=..." after a POST to /v2/NAME/blobs/uploads/ is that
  // directory's <uuid>, not the host's.
  try {
    return resolve_url(response.url, header);
  } catch (const Error&) {
    // Without the queries: they hold the upload's state token.
    auto without_query = [](const std::string& url) { return url.substr(0, url.find('?')); };
    throw Error(what + ": the registry answered " + without_query(response.url) + " with the Location '" +
                without_query(header) + "', which is not a URL reference nanoforge can follow");
  }
}

void RegistryClient::fail(const HttpResponse& response, const std::string& what) {
  if (response.status == 401)
    throw Error(auth_.explain_unauthorized(what) + " (" + registry_error_message(response, "HTTP answer") + ")");
  if (response.status == 403)
    throw Error(registry_error_message(response, what) + " (access denied: the account may not push or pull this repository)");
  throw Error(registry_error_message(response, what));
}

HttpResponse RegistryClient::send(HttpRequest request, const std::vector<std::string>& scopes,
                                  const std::string& what, bool replayable) {
  const auto base_headers = request.headers;
  int challenges = 0;
  RetrySchedule schedule(transport_.options().retry);
  for (;;) {
    request.headers = base_headers;
    if (auto header = auth_.authorization(scopes); !header.empty()) request.headers.push_back("Authorization: " + header);
    HttpResponse response;
    try {
      response = transport_.perform(request);
    } catch (const TransportError& error) {
      if (!replayable || !schedule.wait_before_retry(error.outcome())) throw;
      ++retries_;
      continue;
    }
    if (response.status == 401 && challenges < 2) {
      ++challenges;
      auth_.on_unauthorized(response, scopes, what);
      if (!replayable) return response;
      continue;  // authenticating is not a failed attempt
    }
    // A final answer, success included, goes back to the caller.
    if (replayable && is_transient(response.outcome()) && schedule.wait_before_retry(response.outcome())) {
      ++retries_;
      continue;
    }
    return response;
  }
}

void RegistryClient::ping() {
  std::string what = "GET /v2/ of registry " + registry_;
  HttpRequest request;
  HttpResponse response;
  RetrySchedule schedule(transport_.options().retry);
  for (;;) {
    request.url = url("v2/");
    try {
      response = transport_.perform(request);
    } catch (const TransportError& error) {
      // An insecure registry may speak plain HTTP: try that before giving up (not a failed attempt).
      if (transport_.is_insecure(registry_) && transport_.base_url(registry_).rfind("https://", 0) == 0) {
        transport_.use_plain_http(registry_);
        continue;
      }
      if (!schedule.wait_before_retry(error.outcome())) throw;
      ++retries_;
      continue;
    }
    if (is_transient(response.outcome()) && schedule.wait_before_retry(response.outcome())) {
      ++retries_;
      continue;
    }
    break;
  }
  if (response.status == 401) {
    // Normal for a private registry: remember how it wants to be asked.
    auth_.learn_challenge(response);
    return;
  }
  if (response.status == 200) return;
  if (response.status == 404)
    throw Error(registry_ + " does not serve the registry API (GET /v2/ answered 404)");
  fail(response, what);
}

void RegistryClient::check_credentials(const std::string& repository_hint) {
  ping();
  HttpRequest request;
  request.url = url("v2/");
  std::vector<std::string> scopes;
  if (!repository_hint.empty()) scopes.push_back(repository_scope(repository_hint, false));
  auto response = send(request, scopes, "GET /v2/ of registry " + registry_);
  if (response.status != 200) fail(response, "logging in to " + registry_);
}

bool RegistryClient::blob_exists(const std::string& repository, const Digest& digest) {
  HttpRequest request;
  request.method = "HEAD";
  request.url = url("v2/" + repository + "/blobs/" + digest.str());
  std::string what = "HEAD " + registry_ + "/" + repository + " blob " + digest.short_str();
  auto response = send(request, {repository_scope(repository, true)}, what);
  if (response.status == 200) return true;
  if (response.status == 404) return false;
  fail(response, what);
}

bool RegistryClient::mount_blob(const std::string& repository, const Digest& digest, const std::string& from) {
  HttpRequest request;
  request.method = "POST";
  request.url = with_query(url("v2/" + repository + "/blobs/uploads/"), {{"mount", digest.str()}, {"from", from}});
  std::string what = "mount blob " + digest.short_str() + " from " + from + " into " + registry_ + "/" + repository;
  auto response = send(request, {repository_scope(repository, true), repository_scope(from, false)}, what);
  if (response.status == 201) return true;
  // 202: the registry started an ordinary upload instead; it will expire unused.
  if (response.status == 202 || response.status == 404) return false;
  // A registry that cannot read `from` (403) just means no mount.
  if (response.status == 403 || response.status == 401) return false;
  fail(response, what);
}

std::string RegistryClient::start_upload(const std::string& repository, const std::string& what) {
  HttpRequest request;
  request.method = "POST";
  request.url = url("v2/" + repository + "/blobs/uploads/");
  auto response = send(request, {repository_scope(repository, true)}, what);
  if (response.status != 202) fail(response, what);
  auto next = upload_location(response, what);
  if (next.empty()) throw Error(what + ": the registry started an upload without a Location");
  return next;
}

std::optional<std::uint64_t> RegistryClient::upload_offset(const std::string& repository, std::string& location) {
  HttpRequest request;
  request.url = location;
  std::string what = "GET upload status in " + repository;
  auto response = send(request, {repository_scope(repository, true)}, what);
  if (response.status != 204 && response.status != 202) return std::nullopt;
  if (auto next = upload_location(response, what); !next.empty()) location = next;
  return parse_range_end(response.header("Range"));
}

void RegistryClient::upload_blob(const std::string& repository, const Digest& digest, std::uint64_t size,
                                 const std::filesystem::path& path, const UploadResume& resume) {
  std::string what = "upload of blob " + digest.short_str() + " to " + registry_ + "/" + repository;
  const std::vector<std::string> scopes{repository_scope(repository, true)};
  auto count_sent = [this](std::uint64_t bytes) { bytes_sent_ += bytes; };
  auto remember = [&](const std::string& location) {
    if (resume.save) resume.save(location);
  };

  std::string location;
  std::uint64_t offset = 0;
  if (resume.load) {
    if (auto saved = resume.load()) {
      location = *saved;
      auto received = upload_offset(repository, location);
      if (received && *received <= size) offset = *received;
      else location.clear();  // expired or unknown: start again
    }
  }
  if (location.empty()) {
    location = start_upload(repository, what);
    remember(location);
  }

  auto finish = [&](HttpRequest request) {
    request.method = "PUT";
    // The session's query (distribution's _state) stays; the digest is added to it.
    request.url = with_query(location, {{"digest", digest.str()}});
    request.headers.push_back("Content-Type: application/octet-stream");
    request.on_sent = count_sent;
    return send(request, scopes, what, request.body_file.empty());
  };

  if (offset == 0 && size <= kSinglePutLimit) {
    HttpRequest request;
    request.body_file = path;
    request.body_length = size;
    RetrySchedule schedule(transport_.options().retry);
    for (;;) {
      HttpResponse response;
      std::optional<AttemptOutcome> lost;
      try {
        response = finish(request);
      } catch (const TransportError& error) {
        if (!schedule.wait_before_retry(error.outcome())) throw;
        lost = error.outcome();
      }
      if (!lost) {
        if (response.status == 201) break;
        if (response.status == 404 && schedule.failures() > 0 && blob_exists(repository, digest)) break;  // see below
        if (!schedule.wait_before_retry(response.outcome())) fail(response, what);
      }
      ++retries_;
      // The failed PUT may have consumed the session: a fresh one is always valid.
      location = start_upload(repository, what);
      remember(location);
    }
    if (resume.clear) resume.clear();
    return;
  }

  bool chunked = offset > 0;
  RetrySchedule schedule(transport_.options().retry);
  while (offset < size) {
    std::uint64_t length = chunked ? std::min(kChunkSize, size - offset) : size - offset;
    HttpRequest request;
    request.method = "PATCH";
    request.url = location;
    request.body_file = path;
    request.body_offset = offset;
    request.body_length = length;
    request.on_sent = count_sent;
    request.headers.push_back("Content-Type: application/octet-stream");
    if (chunked)
      request.headers.push_back("Content-Range: " + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
    HttpResponse response;
    std::optional<AttemptOutcome> lost;
    try {
      response = send(request, scopes, what, false);
    } catch (const TransportError& error) {
      if (!error.transient()) throw;
      lost = error.outcome();
    }
    if (!lost && response.status == 202) {
      if (auto next = upload_location(response, what); !next.empty()) location = next;
      remember(location);
      if (auto received = parse_range_end(response.header("Range")); received && *received > offset)
        offset = *received;
      else
        offset += length;
      schedule.reset();
      continue;
    }
    if (!lost && response.status == 401) continue;  // authenticated now; send again
    auto outcome = lost ? *lost : response.outcome();
    bool again;
    if (!lost && (response.status == 413 || response.status == 400) && !chunked) {
      // Too large for one request: go on in chunks from wherever the registry got to.
      chunked = true;
      again = schedule.wait_before_recovery(outcome);
    } else if (!lost && response.status == 416) {
      // Our idea of the offset is wrong; the upload status below says where it is.
      again = schedule.wait_before_recovery(outcome);
    } else {
      again = schedule.wait_before_retry(outcome);
    }
    if (!again) {
      if (lost) throw Error(what + " failed: the connection was lost " + std::to_string(schedule.failures()) + " times");
      fail(response, what);
    }
    ++retries_;
    // Resynchronise: ask the registry how much of the upload it kept.
    auto received = upload_offset(repository, location);
    if (received && *received <= size) {
      offset = *received;
      chunked = chunked || offset > 0;  // a resumed upload must say where its bytes go
    } else {
      location = start_upload(repository, what);
      offset = 0;
    }
    remember(location);
  }
  auto response = finish(HttpRequest{});
  if (response.status != 201) {
    if (resume.clear) resume.clear();
    // The answer to an earlier try of this PUT may have been lost after the registry had
    // completed the upload; then the retry finds the session gone but the blob in place.
    if (response.status == 404 && blob_exists(repository, digest)) return;
    fail(response, what);
  }
  if (auto stored = response.header("Docker-Content-Digest"); !stored.empty() && stored != digest.str())
    throw Error(what + ": the registry stored the blob as " + stored);
  if (resume.clear) resume.clear();
}

std::optional<Digest> RegistryClient::manifest_digest(const std::string& repository, const std::string& reference) {
  HttpRequest request;
  request.method = "HEAD";
  request.url = url("v2/" + repository + "/manifests/" + reference);
  request.headers.push_back(kManifestAccept);
  std::string what = "HEAD manifest " + registry_ + "/" + repository + ":" + reference;
  auto response = send(request, {repository_scope(repository, false)}, what);
  if (response.status == 404) return std::nullopt;
  if (response.status != 200) fail(response, what);
  auto header = response.header("Docker-Content-Digest");
  if (header.empty()) return std::nullopt;
  return Digest::parse(header);
}

void RegistryClient::put_manifest(const std::string& repository, const std::string& reference,
                                  const std::string& media_type, const std::string& bytes) {
  HttpRequest request;
  request.method = "PUT";
  request.url = url("v2/" + repository + "/manifests/" + reference);
  request.headers.push_back("Content-Type: " + media_type);
  request.body = bytes;
  std::string what = "PUT manifest " + registry_ + "/" + repository + ":" + reference;
  auto response = send(request, {repository_scope(repository, true)}, what);
  if (response.status != 201 && response.status != 200) fail(response, what + " (rejected by the registry)");
  auto expected = sha256_of(bytes);
  if (auto stored = response.header("Docker-Content-Digest"); !stored.empty() && stored != expected.str())
    throw Error(what + ": the registry stored the manifest as " + stored + ", expected " + expected.str());
}

FetchedManifest RegistryClient::get_manifest(const std::string& repository, const std::string& reference) {
  HttpRequest request;
  request.url = url("v2/" + repository + "/manifests/" + reference);
  request.headers.push_back(kManifestAccept);
  std::string what = "GET manifest " + registry_ + "/" + repository + ":" + reference;
  auto response = send(request, {repository_scope(repository, false)}, what);
  if (response.status == 404) throw Error(what + ": not found (no such repository or tag)");
  if (response.status != 200) fail(response, what);
  FetchedManifest manifest;
  manifest.bytes = std::move(response.body);
  manifest.digest = sha256_of(manifest.bytes);
  manifest.media_type = response.header("Content-Type");
  manifest.media_type = manifest.media_type.substr(0, manifest.media_type.find(';'));
  if (reference.rfind("sha256:", 0) == 0 && manifest.digest.str() != reference)
    throw Error(what + ": the registry sent a manifest whose digest is " + manifest.digest.str());
  if (auto header = response.header("Docker-Content-Digest"); !header.empty() && header != manifest.digest.str())
    throw Error(what + ": the manifest's bytes hash to " + manifest.digest.str() + " but the registry says " + header);
  try {
    auto json = nlohmann::json::parse(manifest.bytes);
    if (json.contains("mediaType") && json["mediaType"].is_string()) manifest.media_type = json["mediaType"];
  } catch (const nlohmann::json::exception&) {
    throw Error(what + ": the manifest is not JSON");
  }
  return manifest;
}

void RegistryClient::fetch_blob(const std::string& repository, const Descriptor& blob, BlobStore& store,
                                const std::function<void(std::uint64_t)>& on_received) {
  std::string what = "GET blob " + blob.digest.short_str() + " from " + registry_ + "/" + repository;
  RetrySchedule schedule(transport_.options().retry);
  for (;;) {
    // Written under a temporary name and renamed to the digest only once the hash matches.
    AtomicFile file(store.path_of(blob.digest));
    Sha256 hash;
    std::uint64_t received = 0;
    HttpRequest request;
    request.url = url("v2/" + repository + "/blobs/" + blob.digest.str());
    request.follow_redirects = true;
    std::string sink_error;  // exceptions must not cross libcurl's C frames
    request.on_body = [&](const char* data, std::size_t size) {
      received += size;
      if (received > blob.size) {
        sink_error = what + ": the registry sent more than the " + std::to_string(blob.size) + " bytes expected";
        return false;
      }
      try {
        hash.update(data, size);
        file.write(data, size);
      } catch (const std::exception& error) {
        sink_error = error.what();
        return false;
      }
      bytes_received_ += size;
      if (on_received) on_received(size);
      return true;
    };
    HttpResponse response;
    std::optional<AttemptOutcome> lost;
    try {
      response = send(request, {repository_scope(repository, false)}, what, false);
      if (response.status == 401) continue;  // authenticated now: not a failed attempt
    } catch (const TransportError& error) {
      if (!sink_error.empty()) throw Error(sink_error);
      if (!error.transient()) throw;
      lost = error.outcome();
    }
    if (!lost && response.status == 200) {
      auto digest = hash.finish();
      if (digest != blob.digest || received != blob.size)
        throw Error(what + ": the downloaded bytes hash to " + digest.str() + " (" + std::to_string(received) +
                    " bytes), expected " + blob.digest.str() + " (" + std::to_string(blob.size) + " bytes)");
      file.commit();
      return;
    }
    if (!schedule.wait_before_retry(lost ? *lost : response.outcome())) {
      if (lost) throw Error(what + " failed: the connection was lost " + std::to_string(schedule.failures()) + " times");
      fail(response, what);
    }
    ++retries_;
  }
}

}  // namespace nanoforge::oci
