#include "base/url.h"

#include <curl/curl.h>

#include <memory>

#include "base/error.h"

namespace nanoforge {

namespace {

// One parsed URL (a CURLU handle). libcurl is loaded on the first one (libcurl_on_demand.cc).
class Url {
 public:
  Url() : handle_(curl_url()) {
    if (!handle_) throw Error("libcurl could not allocate a URL handle");
  }

  CURLUcode set(CURLUPart part, const char* content, unsigned int flags = 0) {
    return curl_url_set(handle_.get(), part, content, flags);
  }

  // The part, or nullopt when the URL has none (no query, no port given...).
  std::optional<std::string> get(CURLUPart part, unsigned int flags = 0) const {
    char* text = nullptr;
    if (curl_url_get(handle_.get(), part, &text, flags) != CURLUE_OK || !text) return std::nullopt;
    std::string value(text);
    curl_free(text);
    return value;
  }

  std::string str() const {
    auto text = get(CURLUPART_URL);
    if (!text) throw Error("libcurl could not write a URL back");
    return *text;
  }

 private:
  struct Cleanup {
    void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
  };
  std::unique_ptr<CURLU, Cleanup> handle_;
};

// `url` parsed as an absolute URL; the message starts with `context`.
Url parse_absolute(const std::string& url, const std::string& context) {
  Url parsed;
  if (auto code = parsed.set(CURLUPART_URL, url.c_str()); code != CURLUE_OK)
    throw Error(context + "'" + url + "' is not an absolute URL: " + curl_url_strerror(code));
  return parsed;
}

// RFC 3986 §2.3 unreserved, §2.2 sub-delims, and the two more §3.3 allows in a segment.
bool is_path_character(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@/").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

std::string resolve_url(const std::string& base, const std::string& reference) {
  Url url = parse_absolute(base, "cannot resolve '" + reference + "': its base URL ");
  if (reference.empty() || reference.front() == '#') {
    // RFC 3986 §5.2.2: the base itself with the reference's fragment. libcurl 7.88 takes both
    // forms as "." (the base's directory), so they are done on the fragment part instead.
    auto fragment = reference.size() > 1 ? reference.substr(1) : std::string();
    if (auto code = url.set(CURLUPART_FRAGMENT, fragment.empty() ? nullptr : fragment.c_str()); code != CURLUE_OK)
      throw Error("cannot resolve '" + reference + "' against " + base + ": " + curl_url_strerror(code));
    return url.str();
  }
  if (auto code = url.set(CURLUPART_URL, reference.c_str()); code != CURLUE_OK)
    throw Error("'" + reference + "' (relative to " + base + ") is not a URL reference nanoforge can follow: " +
                curl_url_strerror(code));
  return url.str();
}

std::string with_query(const std::string& url, const std::vector<std::pair<std::string, std::string>>& parameters) {
  Url parsed = parse_absolute(url, "");
  for (const auto& [name, value] : parameters) {
    // With CURLU_URLENCODE only the first '=' stays as it is: the one between name and value.
    std::string pair = name + "=" + value;
    if (auto code = parsed.set(CURLUPART_QUERY, pair.c_str(), CURLU_APPENDQUERY | CURLU_URLENCODE); code != CURLUE_OK)
      throw Error("cannot add the query parameter " + name + " to " + url + ": " + curl_url_strerror(code));
  }
  return parsed.str();
}

std::string url_below(const std::string& base, std::string_view path) {
  Url parsed = parse_absolute(base, "");
  std::string directory = parsed.get(CURLUPART_PATH).value_or("/");
  while (!directory.empty() && directory.back() == '/') directory.pop_back();
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string joined = directory + "/" + percent_encode_path(path);
  // Already encoded: libcurl's own encoding would also turn '+' into %2B, which a mirror
  // serving files from object storage may not take for '+'.
  if (auto code = parsed.set(CURLUPART_PATH, joined.c_str()); code != CURLUE_OK)
    throw Error("cannot append '" + std::string(path) + "' to the URL " + base + ": " + curl_url_strerror(code));
  return parsed.str();
}

std::string percent_encode_path(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (unsigned char c : text) {
    if (is_path_character(c)) {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0xF];
    }
  }
  return encoded;
}

std::optional<std::filesystem::path> file_url_path(const std::string& url) {
  try {
    Url parsed;
    if (parsed.set(CURLUPART_URL, url.c_str()) != CURLUE_OK) return std::nullopt;
    if (parsed.get(CURLUPART_SCHEME) != "file") return std::nullopt;
    auto path = parsed.get(CURLUPART_PATH, CURLU_URLDECODE);
    if (!path) return std::nullopt;
    return std::filesystem::path(*path);
  } catch (const std::exception&) {
    return std::nullopt;  // libcurl missing: no URL can be read
  }
}

std::string url_host_and_port(const std::string& url) {
  Url parsed = parse_absolute(url, "");
  std::string host = parsed.get(CURLUPART_HOST).value_or("");
  if (auto port = parsed.get(CURLUPART_PORT)) host += ":" + *port;
  return host;
}

}  // namespace nanoforge
