// URLs resolved and built with libcurl's URL API (RFC 3986), never by pasting strings: a
// registry's relative Location, a token realm, a mirror given with or without a trailing
// '/', a query parameter holding a digest or a repository name.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nanoforge {

// The URL `reference` (a Location header, a token realm) stands for when it came in the
// answer to a request for `base`: RFC 3986 §5.2 (as RFC 7231 §7.1.2 says for Location). An
// absolute URL is taken as it is; an absolute path keeps the base's scheme and host; a
// relative path replaces the base's last segment, with "." and ".." segments removed; a
// query-only reference keeps the base's path; a fragment-only or empty one, the whole base.
// Takes `base` as an absolute URL. Returns an absolute URL. Throws nanoforge::Error naming
// both when `base` is not an absolute URL or `reference` is no URL reference libcurl's URL
// parser accepts (e.g. "g:h", a scheme without "//", a host holding a blank, a control
// character). A blank in a path or query is percent-encoded, as libcurl does for redirects.
std::string resolve_url(const std::string& base, const std::string& reference);

// `url` with each NAME=VALUE appended to its query in order, after a '&' when it has one
// already (the query is kept: a registry's "?_state=x" becomes "?_state=x&digest=..."). Names
// and values are percent-encoded as libcurl's CURLU_URLENCODE does for a query (every byte
// but RFC 3986's unreserved ones; a blank as '+'), so a value can hold ':', '/', '&' or '='.
// Throws nanoforge::Error naming `url` when it is not an absolute URL.
std::string with_query(const std::string& url, const std::vector<std::pair<std::string, std::string>>& parameters);

// The URL of `path` (a '/'-separated path, not percent-encoded) below `base` (an absolute URL
// naming a directory: "http://MIRROR/debian" and "http://MIRROR/debian/" are the same): one
// '/' between them whatever either holds at the join, every byte of `path` that RFC 3986 does
// not allow in a path segment (pchar) percent-encoded, and the base's query kept. A `path`
// ending in '/' keeps that '/'. Throws nanoforge::Error naming `base` when it is not an
// absolute URL.
std::string url_below(const std::string& base, std::string_view path);

// `text` percent-encoded for a URL path (RFC 3986 §3.3): every byte outside pchar
// (unreserved, sub-delims, ':' and '@') and '/' becomes %XX. '+' and '~', common in Debian
// pool paths, stay as they are. Pure: loads nothing.
std::string percent_encode_path(std::string_view text);

// The local path a file: URL names, percent-decoded ("file:///a%20b/c" -> "/a b/c"), or
// nullopt when `url` is not a file: URL on this host. Never throws.
std::optional<std::filesystem::path> file_url_path(const std::string& url);

// "host" or "host:port" of an absolute URL as written in it ("[::1]:5000" for IPv6), for
// matching against registry host names. Throws nanoforge::Error naming `url` when it is
// not an absolute URL.
std::string url_host_and_port(const std::string& url);

}  // namespace nanoforge
