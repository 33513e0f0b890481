#include "base/retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>
#include <thread>

namespace nanoforge {

AttemptOutcome AttemptOutcome::lost(int curl_code) {
  AttemptOutcome outcome;
  outcome.curl_code = curl_code;
  return outcome;
}

AttemptOutcome AttemptOutcome::answered(long status, std::string retry_after) {
  AttemptOutcome outcome;
  outcome.status = status;
  outcome.retry_after = std::move(retry_after);
  return outcome;
}

bool is_transient_curl_code(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool is_transient_status(long status) {
  switch (status) {
    case 408:
    case 429:
    case 499:
    case 500:
    case 502:
    case 503:
    case 504:
    case 522:
      return true;
    default:
      return false;
  }
}

bool is_transient(const AttemptOutcome& outcome) {
  return outcome.curl_code != CURLE_OK ? is_transient_curl_code(outcome.curl_code) : is_transient_status(outcome.status);
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double random) {
  double base = static_cast<double>(policy.initial_delay.count()) *
                std::pow(std::max(policy.factor, 1.0), std::max(retry - 1, 0));
  base = std::min(base, static_cast<double>(policy.max_delay.count()));
  double jittered = base + base * std::max(policy.jitter, 0.0) * std::clamp(random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(jittered));
}

std::optional<std::chrono::seconds> parse_retry_after(const std::string& value, std::time_t now) {
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    // More than nine digits is more than 30 years: cut by the caller's cap anyway.
    if (value.size() > 9) return std::chrono::seconds(999999999);
    return std::chrono::seconds(std::stoll(value));
  }
  std::time_t when = curl_getdate(value.c_str(), nullptr);
  if (when <= 0) return std::nullopt;
  return std::chrono::seconds(std::max<long long>(0, static_cast<long long>(when - now)));
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int retry, const AttemptOutcome& outcome) {
  if (outcome.curl_code == CURLE_OK && (outcome.status == 429 || outcome.status == 503) && !outcome.retry_after.empty()) {
    std::time_t now = policy.now ? policy.now() : std::time(nullptr);
    if (auto asked = parse_retry_after(outcome.retry_after, now))
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::min(*asked, policy.max_retry_after));
  }
  double random;
  if (policy.random) {
    random = policy.random();
  } else {
    static thread_local std::mt19937 generator{std::random_device{}()};
    random = std::uniform_real_distribution<double>(0.0, 1.0)(generator);
  }
  return backoff_delay(policy, retry, random);
}

bool RetrySchedule::wait_before_retry(const AttemptOutcome& outcome) {
  if (!is_transient(outcome)) {
    ++failures_;
    return false;
  }
  return wait_before_recovery(outcome);
}

bool RetrySchedule::wait_before_recovery(const AttemptOutcome& outcome) {
  ++failures_;
  if (failures_ >= policy_.max_attempts) return false;
  auto delay = retry_delay(policy_, failures_, outcome);
  if (policy_.sleep)
    policy_.sleep(delay);
  else
    std::this_thread::sleep_for(delay);
  return true;
}

}  // namespace nanoforge
