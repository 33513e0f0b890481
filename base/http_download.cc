#include "base/http_download.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>

#include "base/atomic_file.h"
#include "base/error.h"

namespace nanoforge {

namespace {

void initialise_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("libcurl could not initialise");
  });
}

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

// Keeps the Retry-After header of the last answer (a redirect's answer is replaced by the next).
std::size_t keep_retry_after(char* data, std::size_t size, std::size_t count, void* user) {
  auto* retry_after = static_cast<std::string*>(user);
  std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) retry_after->clear();
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() &&
      std::equal(kName.begin(), kName.end(), line.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    auto value = line.substr(kName.size());
    auto begin = value.find_first_not_of(" \t");
    auto end = value.find_last_not_of(" \t\r\n");
    *retry_after = begin == std::string::npos ? "" : value.substr(begin, end - begin + 1);
  }
  return size * count;
}

// Options every transfer shares: follow redirects, give up on stalled connections instead
// of hanging a build forever, and let curl read the proxy variables itself. The answer's
// Retry-After goes to `retry_after`.
void set_common_options(CURL* handle, const std::string& url, std::string* retry_after) {
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, keep_retry_after);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, retry_after);
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "nanoforge/0.1");
  curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "identity");
}

// file:// transfers report status 0; everything else must be 2xx.
bool status_ok(long status, const std::string& url) {
  if (url.rfind("file:", 0) == 0) return status == 0 || (status >= 200 && status < 300);
  return status >= 200 && status < 300;
}

// One file being downloaded: the temporary file, the running hash and the curl handle.
struct Transfer {
  const DownloadRequest* request = nullptr;
  EasyHandle handle;
  std::unique_ptr<AtomicFile> file;
  Sha256 hash;
  std::uint64_t received = 0;
  std::optional<RetrySchedule> schedule;
  std::string retry_after;
  std::string write_error;
  char curl_error[CURL_ERROR_SIZE] = {};
};

std::size_t write_to_transfer(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::size_t bytes = size * count;
  try {
    // A server sending more than the index promised is wrong; stop early rather than fill the disk.
    if (transfer->request->expected_size &&
        transfer->received + bytes > *transfer->request->expected_size) {
      transfer->write_error = "more bytes than the expected " +
                              std::to_string(*transfer->request->expected_size);
      return 0;
    }
    transfer->file->write(data, bytes);
    transfer->hash.update(data, bytes);
    transfer->received += bytes;
  } catch (const std::exception& error) {
    transfer->write_error = error.what();
    return 0;
  }
  return bytes;
}

void start_transfer(Transfer& transfer) {
  const auto& request = *transfer.request;
  auto directory = request.destination.parent_path();
  if (!directory.empty()) std::filesystem::create_directories(directory);
  transfer.file = std::make_unique<AtomicFile>(request.destination);
  transfer.hash = Sha256();
  transfer.received = 0;
  transfer.write_error.clear();
  transfer.retry_after.clear();
  transfer.curl_error[0] = '\0';
  transfer.handle.reset(curl_easy_init());
  if (!transfer.handle) throw Error("libcurl could not create a handle for " + request.url);
  CURL* handle = transfer.handle.get();
  set_common_options(handle, request.url, &transfer.retry_after);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, write_to_transfer);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, transfer.curl_error);
  curl_easy_setopt(handle, CURLOPT_PRIVATE, &transfer);
}

enum class Outcome { Done, Retry, Failed };

// Checks a finished transfer; on success renames the file into place.
Outcome finish_transfer(Transfer& transfer, CURLcode code, std::string& failure) {
  const auto& request = *transfer.request;
  long status = 0;
  curl_easy_getinfo(transfer.handle.get(), CURLINFO_RESPONSE_CODE, &status);
  std::optional<AttemptOutcome> outcome;  // none: a failure no retry can mend
  if (!transfer.write_error.empty()) {
    failure = "download " + request.url + ": " + transfer.write_error;
  } else if (code != CURLE_OK) {
    std::string detail = transfer.curl_error[0] ? transfer.curl_error : curl_easy_strerror(code);
    failure = "download " + request.url + ": " + detail;
    outcome = AttemptOutcome::lost(code);
  } else if (!status_ok(status, request.url)) {
    failure = "download " + request.url + ": HTTP status " + std::to_string(status);
    outcome = AttemptOutcome::answered(status, transfer.retry_after);
  } else if (request.expected_size && transfer.received != *request.expected_size) {
    failure = "download " + request.url + ": got " + std::to_string(transfer.received) +
              " bytes, expected " + std::to_string(*request.expected_size);
    outcome = AttemptOutcome::lost(CURLE_PARTIAL_FILE);  // a body cut short by a flaky proxy
  } else {
    auto digest = transfer.hash.finish();
    if (request.expected && digest != *request.expected) {
      failure = "download " + request.url + ": content digest " + digest.str() +
                " does not match the expected " + request.expected->str();
    } else {
      transfer.file->commit();
      transfer.file.reset();
      return Outcome::Done;
    }
  }
  transfer.file.reset();  // removes the temporary file
  // Waits before the retry; the other transfers wait with it, as they did before one policy.
  if (outcome && transfer.schedule->wait_before_retry(*outcome)) return Outcome::Retry;
  return Outcome::Failed;
}

struct MultiDeleter {
  void operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
};

}  // namespace

void download_file(const DownloadRequest& request, const ProgressCallback& progress, const RetryPolicy& retry) {
  download_files({request}, 1, progress, retry);
}

void download_files(const std::vector<DownloadRequest>& requests, unsigned parallel,
                    const ProgressCallback& progress, const RetryPolicy& retry) {
  initialise_curl_once();
  if (requests.empty()) return;
  parallel = std::max(1u, parallel);
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  if (!multi) throw Error("libcurl could not create a transfer group");
  // Reuse connections to the same mirror across transfers.
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(parallel));

  std::vector<std::unique_ptr<Transfer>> transfers;
  transfers.reserve(requests.size());
  std::uint64_t total_bytes = 0;
  for (const auto& request : requests) {
    auto transfer = std::make_unique<Transfer>();
    transfer->request = &request;
    transfer->schedule.emplace(retry);
    transfers.push_back(std::move(transfer));
    total_bytes += request.expected_size.value_or(0);
  }
  std::deque<Transfer*> waiting;
  for (auto& transfer : transfers) waiting.push_back(transfer.get());

  std::uint64_t finished_bytes = 0;
  std::size_t finished_count = 0;
  unsigned running = 0;
  std::vector<std::string> failures;
  auto report = [&](bool finished) {
    if (!progress) return;
    std::uint64_t in_flight = 0;
    for (auto& transfer : transfers)
      if (transfer->file) in_flight += transfer->received;
    ProgressEvent event;
    event.step = "download " + std::to_string(finished_count) + "/" +
                 std::to_string(requests.size()) + " files";
    event.done = finished_bytes + in_flight;
    event.total = total_bytes;
    event.finished = finished;
    progress(event);
  };
  auto launch_waiting = [&] {
    while (running < parallel && !waiting.empty()) {
      Transfer* transfer = waiting.front();
      waiting.pop_front();
      start_transfer(*transfer);
      curl_multi_add_handle(multi.get(), transfer->handle.get());
      ++running;
    }
  };

  launch_waiting();
  auto last_report = std::chrono::steady_clock::now();
  while (running > 0) {
    int still_running = 0;
    CURLMcode status = curl_multi_perform(multi.get(), &still_running);
    if (status != CURLM_OK) throw Error(std::string("libcurl: ") + curl_multi_strerror(status));
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* transfer = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
      CURLcode code = message->data.result;
      curl_multi_remove_handle(multi.get(), message->easy_handle);
      --running;
      std::string failure;
      switch (finish_transfer(*transfer, code, failure)) {
        case Outcome::Done:
          finished_bytes += transfer->received;
          ++finished_count;
          transfer->handle.reset();
          break;
        case Outcome::Retry:
          waiting.push_front(transfer);
          break;
        case Outcome::Failed:
          failures.push_back(failure);
          transfer->handle.reset();
          break;
      }
    }
    launch_waiting();
    auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::milliseconds(200)) {
      report(false);
      last_report = now;
    }
    if (running > 0) curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
  }
  if (!failures.empty()) {
    std::string message = failures.front();
    for (std::size_t i = 1; i < failures.size(); ++i) message += "\n" + failures[i];
    throw Error(message);
  }
  report(true);
}

std::string fetch_text(const std::string& url, const RetryPolicy& retry) {
  initialise_curl_once();
  RetrySchedule schedule(retry);
  for (;;) {
    EasyHandle handle(curl_easy_init());
    if (!handle) throw Error("libcurl could not create a handle for " + url);
    std::string body;
    std::string retry_after;
    char curl_error[CURL_ERROR_SIZE] = {};
    set_common_options(handle.get(), url, &retry_after);
    curl_easy_setopt(handle.get(), CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(
        handle.get(), CURLOPT_WRITEFUNCTION,
        +[](char* data, std::size_t size, std::size_t count, void* user) -> std::size_t {
          static_cast<std::string*>(user)->append(data, size * count);
          return size * count;
        });
    curl_easy_setopt(handle.get(), CURLOPT_WRITEDATA, &body);
    CURLcode code = curl_easy_perform(handle.get());
    long status = 0;
    curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &status);
    std::string failure;
    AttemptOutcome outcome;
    if (code != CURLE_OK) {
      failure = "fetch " + url + ": " + (curl_error[0] ? curl_error : curl_easy_strerror(code));
      outcome = AttemptOutcome::lost(code);
    } else if (!status_ok(status, url)) {
      failure = "fetch " + url + ": HTTP status " + std::to_string(status);
      outcome = AttemptOutcome::answered(status, retry_after);
    } else {
      return body;
    }
    if (!schedule.wait_before_retry(outcome)) throw Error(failure);
  }
}

}  // namespace nanoforge
