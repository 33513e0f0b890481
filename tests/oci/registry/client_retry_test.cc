// Both HTTP paths — the registry client (oci/registry) and plain downloads (base/http_download)
// — retry by the one rule of base/retry.h: the same answer is retried by both or by neither.
// A tiny HTTP server on 127.0.0.1 answers every request with one status and counts them;
// the sleeps between attempts are recorded, not slept.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "base/http_download.h"
#include "base/retry.h"
#include "oci/blob_store.h"
#include "oci/registry/client.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::oci;
using nanoforge::testing::TempDir;

namespace {

// Answers every request with `status` (and `extra_header`, a "Name: value" line or "") and
// closes the connection. Counts requests.
class StatusServer {
 public:
  explicit StatusServer(long status, std::string extra_header = "")
      : status_(status), extra_header_(std::move(extra_header)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 16) == 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~StatusServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) continue;
      std::string received;
      char buffer[4096];
      while (received.find("\r\n\r\n") == std::string::npos) {
        // A TLS hello never completes a header block: give up on it instead of waiting forever.
        pollfd readable{connection, POLLIN, 0};
        if (::poll(&readable, 1, 200) <= 0) break;
        auto got = ::read(connection, buffer, sizeof buffer);
        if (got <= 0) break;
        received.append(buffer, static_cast<std::size_t>(got));
      }
      if (received.find("\r\n\r\n") != std::string::npos) {
        ++requests_;
        std::string answer = "HTTP/1.1 " + std::to_string(status_) + " Test\r\nContent-Length: 0\r\n" +
                             "Connection: close\r\n" + (extra_header_.empty() ? "" : extra_header_ + "\r\n") +
                             "\r\n";
        [[maybe_unused]] auto sent = ::write(connection, answer.data(), answer.size());
      }
      ::close(connection);
    }
  }

  long status_;
  std::string extra_header_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A port nothing listens on: bound, then closed.
std::string refusing_host() { return "127.0.0.1:" + std::to_string(free_local_port()); }

struct RecordedPolicy {
  std::vector<std::chrono::milliseconds> sleeps;
  RetryPolicy policy() {
    RetryPolicy policy;
    policy.max_attempts = 3;
    policy.sleep = [this](std::chrono::milliseconds delay) { sleeps.push_back(delay); };
    return policy;
  }
};

// How many attempts each path makes at `host` (every path given a fresh count of its own).
struct Attempts {
  int registry_send = 0;
  int registry_blob = 0;
  int fetch_text = 0;
  int download = 0;
};

// Runs each path once against a server answering `status`; returns the requests each made.
Attempts attempts_for(long status, const std::string& extra_header = "") {
  Attempts attempts;
  TempDir dir("nanoforge-retry-rule");
  RecordedPolicy recorded;
  TransportOptions options;
  options.retry = recorded.policy();
  {
    StatusServer server(status, extra_header);
    RegistryClient client(server.host(), options);
    HttpRequest request;
    request.url = server.url("/v2/");
    auto response = client.send(request, {}, "GET /v2/");
    CHECK(response.status == status);
    attempts.registry_send = server.requests();
  }
  {
    StatusServer server(status, extra_header);
    BlobStore store(dir / "blobs");
    Descriptor blob;
    blob.digest = sha256_of("x");
    blob.size = 1;
    TransportOptions insecure = options;
    insecure.insecure_registries = {server.host()};
    RegistryClient plain(server.host(), insecure);
    // The registry's URLs are https:// until a ping of an insecure registry finds plain HTTP;
    // the ping then fails on the status (its attempts are not counted below).
    CHECK_THROWS(plain.ping());
    int before = server.requests();
    CHECK_THROWS_WITH(plain.fetch_blob("team/app", blob, store), Catch::Contains(std::to_string(status)));
    attempts.registry_blob = server.requests() - before;
  }
  {
    StatusServer server(status, extra_header);
    CHECK_THROWS_WITH(fetch_text(server.url("/InRelease"), recorded.policy()),
                      Catch::Contains("HTTP status " + std::to_string(status)));
    attempts.fetch_text = server.requests();
  }
  {
    StatusServer server(status, extra_header);
    DownloadRequest request{server.url("/pool/a.deb"), dir / "a.deb", std::nullopt, std::nullopt};
    CHECK_THROWS_WITH(download_file(request, {}, recorded.policy()),
                      Catch::Contains("HTTP status " + std::to_string(status)));
    attempts.download = server.requests();
  }
  return attempts;
}

}  // namespace

TEST_CASE("a 503 is retried by the registry client and by downloads alike", "[retry]") {
  auto attempts = attempts_for(503);
  CHECK(attempts.registry_send == 3);
  CHECK(attempts.registry_blob == 3);
  CHECK(attempts.fetch_text == 3);
  CHECK(attempts.download == 3);
}

TEST_CASE("a 501 or a 505 is retried by neither path", "[retry]") {
  for (long status : {501L, 505L}) {
    INFO("HTTP " << status);
    auto attempts = attempts_for(status);
    CHECK(attempts.registry_send == 1);
    CHECK(attempts.registry_blob == 1);
    CHECK(attempts.fetch_text == 1);
    CHECK(attempts.download == 1);
  }
}

TEST_CASE("a 429's Retry-After is waited for by both paths, within the cap", "[retry]") {
  TempDir dir("nanoforge-retry-after");
  RecordedPolicy registry_sleeps;
  TransportOptions options;
  options.retry = registry_sleeps.policy();
  options.retry.max_retry_after = std::chrono::seconds(7);
  StatusServer server(429, "Retry-After: 3600");
  RegistryClient client(server.host(), options);
  HttpRequest request;
  request.url = server.url("/v2/");
  CHECK(client.send(request, {}, "GET /v2/").status == 429);
  CHECK(registry_sleeps.sleeps == std::vector<std::chrono::milliseconds>(2, std::chrono::seconds(7)));

  RecordedPolicy download_sleeps;
  auto policy = download_sleeps.policy();
  policy.max_retry_after = std::chrono::seconds(7);
  CHECK_THROWS(fetch_text(server.url("/InRelease"), policy));
  CHECK(download_sleeps.sleeps == std::vector<std::chrono::milliseconds>(2, std::chrono::seconds(7)));
}

TEST_CASE("a refused connection is retried by both paths", "[retry]") {
  auto host = refusing_host();
  RecordedPolicy registry_sleeps;
  TransportOptions options;
  options.retry = registry_sleeps.policy();
  RegistryClient client(host, options);
  HttpRequest request;
  request.url = "http://" + host + "/v2/";
  CHECK_THROWS_AS(client.send(request, {}, "GET /v2/"), TransportError);
  CHECK(registry_sleeps.sleeps.size() == 2);

  RecordedPolicy download_sleeps;
  CHECK_THROWS_WITH(fetch_text("http://" + host + "/InRelease", download_sleeps.policy()), Catch::Contains(host));
  CHECK(download_sleeps.sleeps.size() == 2);
}
