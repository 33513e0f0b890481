// The one retry policy of nanoforge's HTTP: which outcomes of an attempt are worth another try,
// and how long to wait before it. Both HTTP paths use it: the registry client and its token
// requests (oci/registry/) and plain downloads of .debs, indices and tarballs
// (base/http_download). Modelled on go-containerregistry's retrying transport
// (pkg/v1/remote/transport/retry.go, internal/retry, the status list in pkg/v1/remote/options.go).
//
// The rule (is_transient):
//   transient — the same request may well succeed in a moment:
//     libcurl: connection refused or unreachable (CURLE_COULDNT_CONNECT: a registry or mirror
//       restarting behind its address), timeouts (CURLE_OPERATION_TIMEDOUT), the connection
//       reset or closed mid-transfer (CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING,
//       CURLE_PARTIAL_FILE — also a body shorter than the size the caller was promised),
//       HTTP/2 framing or stream resets (CURLE_HTTP2, CURLE_HTTP2_STREAM: a server's GOAWAY).
//     HTTP: 408 Request Timeout, 429 Too Many Requests, 500, 502, 503, 504, and the
//       non-standard 499 (nginx: client closed request) and 522 (Cloudflare: origin connection
//       timed out) — exactly go-containerregistry's defaultRetryStatusCodes.
//   final — trying again gives the same answer, only later:
//     libcurl: every other code, in particular an unknown host (CURLE_COULDNT_RESOLVE_HOST,
//       _PROXY: a typo or a missing DNS entry, not a blip; go-containerregistry does not retry
//       "no such host" either), every TLS failure (verification, handshake, certificate files),
//       a bad URL, and our own aborts (a write or read callback refusing).
//     HTTP: every other status: 4xx (a bad request, missing blob, refused credentials), 501
//       Not Implemented and 505 HTTP Version Not Supported (properties of the server), 507
//       Insufficient Storage and 511 Network Authentication Required (need a person).
//   One deliberate difference from go-containerregistry: it does not retry a refused
//   connection (Go's ECONNREFUSED is not Temporary); we do, because a refused connect costs
//   one round trip and a registry or mirror restarting is the commonest blip in CI.
//
// The schedule (RetryPolicy): at most `max_attempts` attempts (the first included); before
// retry n (1 for the first retry) wait initial_delay * factor^(n-1), capped at max_delay, plus
// a random share of it in [0, jitter) — go-containerregistry's wait.Backoff.Step — so transfers
// that failed together do not come back together. A 429 or 503 answer carrying Retry-After
// (RFC 9110 §10.2.3, RFC 6585 §4) is waited for as asked instead, cut to max_retry_after.
#pragma once
#include <chrono>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace nanoforge {

// What one attempt of an HTTP request came to: a libcurl error (no HTTP answer), or an answer.
struct AttemptOutcome {
  int curl_code = 0;        // a CURLcode; 0 (CURLE_OK) when an HTTP answer came back
  long status = 0;          // the answer's HTTP status (when curl_code is 0)
  std::string retry_after;  // the answer's Retry-After header, "" when it had none

  // An attempt that ended in libcurl error `curl_code` (non-zero).
  static AttemptOutcome lost(int curl_code);
  // An attempt answered with `status` (and its Retry-After header, if any).
  static AttemptOutcome answered(long status, std::string retry_after = "");
};

// The rule above, for a libcurl code (a CURLcode value) and for an HTTP status. Never throw.
bool is_transient_curl_code(int curl_code);
bool is_transient_status(long status);
// is_transient_curl_code for a lost attempt, is_transient_status for an answered one.
bool is_transient(const AttemptOutcome& outcome);

struct RetryPolicy {
  int max_attempts = 6;  // per request, counting the first
  std::chrono::milliseconds initial_delay{200};
  double factor = 2.0;
  double jitter = 0.5;  // each delay grows by a random share of itself in [0, jitter)
  std::chrono::milliseconds max_delay{8000};
  std::chrono::seconds max_retry_after{60};  // longer Retry-After values are cut to this
  // Waits between attempts; empty: std::this_thread::sleep_for. Tests record instead.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Uniform in [0, 1), for the jitter; empty: a per-thread generator.
  std::function<double()> random;
  // The wall clock for Retry-After given as an HTTP-date; empty: std::time.
  std::function<std::time_t()> now;
};

// The delay before retry `retry` (1 for the first) by the exponential schedule, with
// `random` (in [0, 1)) choosing the jitter. Never throws.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double random);

// Retry-After's value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date (read as libcurl's
// curl_getdate does), as seconds from `now`; a date in the past is 0. nullopt when it is
// neither. Never throws.
std::optional<std::chrono::seconds> parse_retry_after(const std::string& value, std::time_t now);

// How long to wait after `outcome` before retry `retry`: Retry-After (capped) on a 429 or 503
// that has one, else backoff_delay. Never throws.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int retry, const AttemptOutcome& outcome);

// The retry state of one request. Usage:
//   RetrySchedule schedule(policy);
//   for (;;) { outcome = attempt(); if (success) break; if (!schedule.wait_before_retry(outcome)) fail; }
class RetrySchedule {
 public:
  explicit RetrySchedule(RetryPolicy policy) : policy_(std::move(policy)) {}

  // Counts a failed attempt. When `outcome` is transient and attempts remain, waits the
  // delay (through policy.sleep) and returns true; otherwise returns false at once and the
  // caller reports the failure. Throws only what policy.sleep throws.
  bool wait_before_retry(const AttemptOutcome& outcome);
  // Counts a failed attempt the caller recovers from in its own way whatever the rule says of
  // `outcome` (an upload told its offset is wrong, 416, resynchronises): waits the delay and
  // returns true when attempts remain, false otherwise. Throws only what policy.sleep throws.
  bool wait_before_recovery(const AttemptOutcome& outcome);
  // Failed attempts counted so far.
  int failures() const { return failures_; }
  // Progress was made (an upload chunk was accepted): the next failure is the first again.
  void reset() { failures_ = 0; }

 private:
  RetryPolicy policy_;
  int failures_ = 0;
};

}  // namespace nanoforge
