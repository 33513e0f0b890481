// The one retry rule (which outcomes are transient) and its schedule (attempts, delays,
// jitter, Retry-After), with an injected sleeper, random source and clock: nothing sleeps.
#include <catch2/catch.hpp>
#include <curl/curl.h>

#include <vector>

#include "base/retry.h"

using namespace nanoforge;
using std::chrono::milliseconds;

namespace {

struct Recorded {
  std::vector<milliseconds> sleeps;
  RetryPolicy policy(int attempts = 4) {
    RetryPolicy policy;
    policy.max_attempts = attempts;
    policy.initial_delay = milliseconds(100);
    policy.factor = 3.0;
    policy.jitter = 0.1;
    policy.max_delay = milliseconds(2000);
    policy.max_retry_after = std::chrono::seconds(5);
    policy.sleep = [this](milliseconds delay) { sleeps.push_back(delay); };
    policy.random = [] { return 0.0; };
    policy.now = [] { return std::time_t(1700000000); };
    return policy;
  }
};

}  // namespace

TEST_CASE("the rule: libcurl errors a moment may mend are transient, the rest final", "[retry]") {
  for (CURLcode code : {CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
                        CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM}) {
    INFO("CURLcode " << code);
    CHECK(is_transient_curl_code(code));
    CHECK(is_transient(AttemptOutcome::lost(code)));
  }
  for (CURLcode code : {CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_PEER_FAILED_VERIFICATION,
                        CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE,
                        CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_WRITE_ERROR, CURLE_READ_ERROR,
                        CURLE_ABORTED_BY_CALLBACK, CURLE_FILE_COULDNT_READ_FILE, CURLE_TOO_MANY_REDIRECTS}) {
    INFO("CURLcode " << code);
    CHECK_FALSE(is_transient_curl_code(code));
    CHECK_FALSE(is_transient(AttemptOutcome::lost(code)));
  }
}

TEST_CASE("the rule: 408, 429, 500, 502, 503, 504 (and 499, 522) are transient, every other status final",
          "[retry]") {
  std::vector<long> transient;
  for (long status = 100; status < 600; ++status)
    if (is_transient_status(status)) transient.push_back(status);
  CHECK(transient == std::vector<long>{408, 429, 499, 500, 502, 503, 504, 522});
  // Named because they are the ones the old rules disagreed on.
  for (long status : {501L, 505L, 507L, 511L, 404L, 401L, 403L, 400L, 416L})
    CHECK_FALSE(is_transient(AttemptOutcome::answered(status)));
  CHECK(is_transient(AttemptOutcome::answered(503)));
  CHECK_FALSE(is_transient(AttemptOutcome::answered(200)));
}

TEST_CASE("the schedule grows by the factor, is capped, and jitter only adds", "[retry]") {
  Recorded recorded;
  auto policy = recorded.policy();
  CHECK(backoff_delay(policy, 1, 0.0) == milliseconds(100));
  CHECK(backoff_delay(policy, 2, 0.0) == milliseconds(300));
  CHECK(backoff_delay(policy, 3, 0.0) == milliseconds(900));
  CHECK(backoff_delay(policy, 4, 0.0) == milliseconds(2000));   // 2700 capped
  CHECK(backoff_delay(policy, 30, 0.0) == milliseconds(2000));  // no overflow far out
  CHECK(backoff_delay(policy, 1, 0.999) == milliseconds(109));  // + at most 10 %
  CHECK(backoff_delay(policy, 2, 0.5) == milliseconds(315));
}

TEST_CASE("a schedule retries a transient outcome until the attempts are spent, a final one never", "[retry]") {
  Recorded recorded;
  RetrySchedule schedule(recorded.policy(4));
  CHECK(schedule.wait_before_retry(AttemptOutcome::lost(CURLE_RECV_ERROR)));
  CHECK(schedule.wait_before_retry(AttemptOutcome::answered(500)));
  CHECK(schedule.wait_before_retry(AttemptOutcome::answered(502)));
  CHECK_FALSE(schedule.wait_before_retry(AttemptOutcome::answered(502)));  // the 4th attempt was the last
  CHECK(schedule.failures() == 4);
  CHECK(recorded.sleeps == std::vector<milliseconds>{milliseconds(100), milliseconds(300), milliseconds(900)});

  Recorded final_outcome;
  RetrySchedule refused(final_outcome.policy(4));
  CHECK_FALSE(refused.wait_before_retry(AttemptOutcome::answered(501)));
  CHECK_FALSE(refused.wait_before_retry(AttemptOutcome::lost(CURLE_COULDNT_RESOLVE_HOST)));
  CHECK(final_outcome.sleeps.empty());

  // Progress starts the count and the delays again; recovery waits whatever the class.
  Recorded progress;
  RetrySchedule upload(progress.policy(3));
  CHECK(upload.wait_before_retry(AttemptOutcome::answered(503)));
  upload.reset();
  CHECK(upload.wait_before_recovery(AttemptOutcome::answered(416)));
  CHECK(upload.wait_before_recovery(AttemptOutcome::answered(416)));
  CHECK_FALSE(upload.wait_before_recovery(AttemptOutcome::answered(416)));  // the 3rd since progress
  CHECK(progress.sleeps == std::vector<milliseconds>{milliseconds(100), milliseconds(100), milliseconds(300)});

  RetryPolicy one_attempt = Recorded().policy(1);
  RetrySchedule no_retries(one_attempt);
  CHECK_FALSE(no_retries.wait_before_retry(AttemptOutcome::answered(503)));
}

TEST_CASE("Retry-After is honoured on 429 and 503 within the cap, ignored elsewhere", "[retry]") {
  Recorded recorded;
  auto policy = recorded.policy();
  CHECK(retry_delay(policy, 1, AttemptOutcome::answered(429, "3")) == milliseconds(3000));
  CHECK(retry_delay(policy, 1, AttemptOutcome::answered(503, "0")) == milliseconds(0));
  CHECK(retry_delay(policy, 1, AttemptOutcome::answered(503, "3600")) == milliseconds(5000));  // capped
  CHECK(retry_delay(policy, 1, AttemptOutcome::answered(429, "99999999999999999999")) == milliseconds(5000));
  // An HTTP-date two seconds after the injected clock's now.
  CHECK(retry_delay(policy, 1, AttemptOutcome::answered(503, "Tue, 14 Nov 2023 22:13:22 GMT")) ==
        milliseconds(2000));
  CHECK(retry_delay(policy, 1, AttemptOutcome::answered(503, "Mon, 01 Jan 2001 00:00:00 GMT")) == milliseconds(0));
  // Not a 429/503, or not a value: the schedule's own delay.
  CHECK(retry_delay(policy, 2, AttemptOutcome::answered(500, "3")) == milliseconds(300));
  CHECK(retry_delay(policy, 1, AttemptOutcome::answered(429, "soon")) == milliseconds(100));

  CHECK(parse_retry_after("120", 0) == std::chrono::seconds(120));
  CHECK_FALSE(parse_retry_after("", 0));
  CHECK_FALSE(parse_retry_after("-1", 0));

  RetrySchedule schedule(policy);
  CHECK(schedule.wait_before_retry(AttemptOutcome::answered(429, "2")));
  CHECK(recorded.sleeps == std::vector<milliseconds>{milliseconds(2000)});
}
