#include "oci/registry/transport.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "base/url.h"

namespace nanoforge::oci {

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// One easy handle per thread: curl keeps its connection cache (keep-alive, TLS sessions,
// HTTP/2 connections) across requests made on it.
CURL* thread_handle() {
  static CurlGlobal global;
  struct Handle {
    CURL* curl = curl_easy_init();
    ~Handle() { curl_easy_cleanup(curl); }
  };
  thread_local Handle handle;
  if (!handle.curl) throw Error("libcurl could not create a handle");
  curl_easy_reset(handle.curl);
  return handle.curl;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

struct Exchange {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  int file = -1;
  std::uint64_t remaining = 0;
  std::string file_error;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string line(data, size * count);
  // A new status line (after a redirect or 100-continue) starts a new header block.
  if (line.rfind("HTTP/", 0) == 0) exchange->response->headers.clear();
  auto colon = line.find(':');
  if (colon != std::string::npos)
    exchange->response->headers.emplace(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
  return size * count;
}

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  long status = 0;
  curl_easy_getinfo(exchange->curl, CURLINFO_RESPONSE_CODE, &status);
  // Only a successful answer's body goes to the sink; an error body is kept for the message.
  if (exchange->request->on_body && status >= 200 && status < 300) {
    if (!exchange->request->on_body(data, size * count)) return 0;
  } else {
    exchange->response->body.append(data, size * count);
  }
  return size * count;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::size_t wanted = std::min<std::uint64_t>(size * count, exchange->remaining);
  if (wanted == 0) return 0;
  ssize_t got;
  do {
    got = ::read(exchange->file, buffer, wanted);
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    exchange->file_error = got == 0 ? "file ended early" : std::strerror(errno);
    return CURL_READFUNC_ABORT;
  }
  exchange->remaining -= static_cast<std::uint64_t>(got);
  if (exchange->request->on_sent) exchange->request->on_sent(static_cast<std::uint64_t>(got));
  return static_cast<std::size_t>(got);
}

// Strips the query (upload state tokens) so messages stay short and carry nothing secret.
std::string url_for_message(const std::string& url) { return url.substr(0, url.find('?')); }

bool host_matches(const std::vector<std::string>& hosts, const std::string& host) {
  for (const auto& entry : hosts) {
    if (entry == host) return true;
    // "host" without a port covers every port of that host.
    if (entry.find(':') == std::string::npos && host.rfind(entry + ":", 0) == 0) return true;
  }
  return false;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto found = headers.find(lower(name));
  return found == headers.end() ? "" : found->second;
}

HttpTransport::HttpTransport(TransportOptions options) : options_(std::move(options)) {}

bool HttpTransport::is_insecure(const std::string& host) const {
  return host_matches(options_.insecure_registries, host);
}

std::string HttpTransport::base_url(const std::string& host) const {
  std::lock_guard lock(mutex_);
  bool plain = std::find(plain_http_hosts_.begin(), plain_http_hosts_.end(), host) != plain_http_hosts_.end();
  return (plain ? "http://" : "https://") + host;
}

void HttpTransport::use_plain_http(const std::string& host) {
  if (!is_insecure(host)) throw Error("refusing plain HTTP to " + host + ": it is not an insecure registry");
  std::lock_guard lock(mutex_);
  if (std::find(plain_http_hosts_.begin(), plain_http_hosts_.end(), host) == plain_http_hosts_.end())
    plain_http_hosts_.push_back(host);
}

HttpResponse HttpTransport::perform(const HttpRequest& request) const {
  CURL* curl = thread_handle();
  HttpResponse response;
  Exchange exchange;
  exchange.curl = curl;
  exchange.request = &request;
  exchange.response = &response;
  char error_buffer[CURL_ERROR_SIZE] = {0};

  // The host decides TLS verification: read by the URL parser libcurl itself uses, so a
  // server-given URL with user info or an odd form cannot name one host here and another there.
  std::string host;
  try {
    host = url_host_and_port(request.url);
  } catch (const Error&) {
    // Its message would show the query, which may hold an upload's state token.
    throw TransportError("bad URL for " + request.method + " " + url_for_message(request.url) +
                             ": not an absolute URL",
                         CURLE_URL_MALFORMAT);
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "nanoforge");
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (request.follow_redirects) {
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  if (is_insecure(host)) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!options_.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  }

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  struct curl_slist* headers = nullptr;
  for (const auto& header : request.headers) headers = curl_slist_append(headers, header.c_str());
  // curl would otherwise send "Expect: 100-continue" and wait for an answer per upload.
  headers = curl_slist_append(headers, "Expect:");

  if (!request.body_file.empty()) {
    exchange.file = ::open(request.body_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (exchange.file < 0) {
      curl_slist_free_all(headers);
      throw_system_error("cannot read", request.body_file.string());
    }
    if (::lseek(exchange.file, static_cast<off_t>(request.body_offset), SEEK_SET) < 0) {
      ::close(exchange.file);
      curl_slist_free_all(headers);
      throw_system_error("cannot seek in", request.body_file.string());
    }
    exchange.remaining = request.body_length;
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &exchange);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_length));
    // CURLOPT_UPLOAD makes a PUT; the custom request restores PATCH when asked for.
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH" ||
             !request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* answered = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &answered);
  response.url = answered ? answered : request.url;
  curl_slist_free_all(headers);
  if (exchange.file >= 0) ::close(exchange.file);
  if (request.on_sent && request.body_file.empty() && code == CURLE_OK) request.on_sent(request.body.size());

  if (!exchange.file_error.empty())
    throw Error("cannot read " + request.body_file.string() + " while uploading it: " + exchange.file_error);
  if (code != CURLE_OK) {
    std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
    std::string where = request.method + " " + url_for_message(request.url);
    switch (code) {
      case CURLE_COULDNT_RESOLVE_HOST:
        throw TransportError("cannot resolve registry host '" + host + "' (" + where + "): " + detail, code);
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CACERT_BADFILE:
        throw TransportError("TLS with " + host + " failed (" + where + "): " + detail +
                                 "; give --ca-file with the registry's CA, or --insecure-registry " + host +
                                 " if it is meant to be reached without verification",
                             code);
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        throw TransportError("bad URL for " + where + ": " + detail, code);
      default:
        throw TransportError(where + " failed: " + detail, code);
    }
  }
  return response;
}

}  // namespace nanoforge::oci
