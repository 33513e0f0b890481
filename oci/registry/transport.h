// HTTP for the registry client, over libcurl: HTTPS by default, plain HTTP or unverified TLS
// only for hosts named insecure, a custom CA file, HTTP/2 when the server offers it, and the
// retry policy (base/retry.h) the client applies per request.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/retry.h"

namespace nanoforge::oci {

struct TransportOptions {
  // "host:port" (or "host") served over plain HTTP, or over TLS with an unverified certificate.
  std::vector<std::string> insecure_registries;
  std::filesystem::path ca_file;         // extra trust anchor (PEM); empty: the system's
  RetryPolicy retry;                     // attempts and delays; what is transient is base/retry.h's rule
  long connect_timeout_seconds = 15;
  long stall_timeout_seconds = 60;       // a transfer slower than 1 KiB/s for this long fails
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent when body_file is empty
  // A byte range of a file streamed as the body (blob uploads): never loaded whole.
  std::filesystem::path body_file;
  std::uint64_t body_offset = 0;
  std::uint64_t body_length = 0;
  // Called with each piece of a 2xx response body instead of collecting it in `body`;
  // returning false aborts the transfer.
  std::function<bool(const char*, std::size_t)> on_body;
  // Called with the number of body bytes just handed to the network.
  std::function<void(std::uint64_t)> on_sent;
  bool follow_redirects = false;     // blob GETs may be redirected to storage
};

struct HttpResponse {
  long status = 0;
  // The URL that gave this answer: the request's, or the last one after followed redirects.
  // A relative Location or token realm in the answer is relative to it.
  std::string url;
  std::multimap<std::string, std::string> headers;  // names lowercased
  std::string body;
  // First value of a header (name in any case), empty when absent.
  std::string header(const std::string& name) const;
  // This answer as the outcome of an attempt, for base/retry.h.
  AttemptOutcome outcome() const { return AttemptOutcome::answered(status, header("Retry-After")); }
};

// A failure below HTTP: no answer, connection reset, TLS failure, unknown host.
class TransportError : public Error {
 public:
  // `curl_code`: the libcurl error (a CURLcode) that ended the attempt.
  TransportError(const std::string& message, int curl_code) : Error(message), curl_code_(curl_code) {}
  int curl_code() const { return curl_code_; }
  AttemptOutcome outcome() const { return AttemptOutcome::lost(curl_code_); }
  // Worth retrying by base/retry.h's rule (reset, timeout, refused); an unknown host or a bad
  // certificate is not.
  bool transient() const { return is_transient_curl_code(curl_code_); }

 private:
  int curl_code_;
};

class HttpTransport {
 public:
  explicit HttpTransport(TransportOptions options = {});

  const TransportOptions& options() const { return options_; }
  // "https://host" or, for an insecure registry answering plain HTTP, "http://host".
  std::string base_url(const std::string& host) const;
  bool is_insecure(const std::string& host) const;
  // Remembers that an insecure host speaks plain HTTP (found by the first ping).
  void use_plain_http(const std::string& host);

  // One attempt. Throws TransportError when no HTTP answer came back.
  HttpResponse perform(const HttpRequest& request) const;

 private:
  TransportOptions options_;
  mutable std::mutex mutex_;
  std::vector<std::string> plain_http_hosts_;
};

}  // namespace nanoforge::oci
