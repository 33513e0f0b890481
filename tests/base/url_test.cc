// URL resolution and building (oci/url.h): RFC 3986 §5.4's examples, a registry's Location in
// every form the distribution spec allows, query parameters appended to a kept query, paths
// joined below a base given with or without a trailing '/'.
#include <catch2/catch.hpp>

#include <cctype>

#include "base/error.h"
#include "base/url.h"

using namespace nanoforge;

namespace {

// libcurl writes percent-escapes in lower case (7.88) or upper case (8.x); RFC 3986 §2.1 makes
// them equal. Upper-cased here so the expected values can be written once.
std::string upper_escapes(std::string url) {
  for (std::size_t i = 0; i + 2 < url.size(); ++i)
    if (url[i] == '%') {
      url[i + 1] = static_cast<char>(std::toupper(static_cast<unsigned char>(url[i + 1])));
      url[i + 2] = static_cast<char>(std::toupper(static_cast<unsigned char>(url[i + 2])));
    }
  return url;
}

const std::string kDigest = "sha256:" + std::string(64, 'a');

}  // namespace

TEST_CASE("RFC 3986 §5.4.1: the normal examples resolve as the RFC says", "[url]") {
  const std::string base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> examples[] = {
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      // The RFC writes "http://a"-style "http://g"; an http URL's empty path is "/" (§6.2.3),
      // which is how libcurl writes it: the same resource.
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  for (const auto& [reference, expected] : examples) {
    INFO("reference '" << reference << "'");
    CHECK(resolve_url(base, reference) == expected);
  }
  // "g:h" is an absolute URI of another scheme without an authority: nothing nanoforge can
  // send a request to, refused with a message naming it instead of being guessed at.
  REQUIRE_THROWS_WITH(resolve_url(base, "g:h"), Catch::Contains("'g:h'") && Catch::Contains(base));
}

TEST_CASE("RFC 3986 §5.4.2: the abnormal examples resolve as the RFC says", "[url]") {
  const std::string base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> examples[] = {
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
  };
  for (const auto& [reference, expected] : examples) {
    INFO("reference '" << reference << "'");
    CHECK(resolve_url(base, reference) == expected);
  }
  // §5.4.2 allows "http:g" (strict) or "http://a/b/c/g" (for backward compatibility); the
  // strict reading has no host to ask, so it is refused, naming the reference.
  REQUIRE_THROWS_WITH(resolve_url(base, "http:g"), Catch::Contains("'http:g'"));
}

TEST_CASE("a registry's upload Location in each form resolves against the request that got it", "[url][registry]") {
  const std::string post = "http://127.0.0.1:5000/v2/team/app/blobs/uploads/";
  const std::string upload = "http://127.0.0.1:5000/v2/team/app/blobs/uploads/3f9c-1?_state=abc%2Bd%3D%3D";
  // After the POST that starts the upload.
  CHECK(resolve_url(post, "3f9c-1?_state=abc%2Bd%3D%3D") == upload);
  CHECK(resolve_url(post, "./3f9c-1?_state=abc%2Bd%3D%3D") == upload);
  CHECK(resolve_url(post, "../uploads/3f9c-1?_state=abc%2Bd%3D%3D") == upload);
  CHECK(resolve_url(post, "/v2/team/app/blobs/uploads/3f9c-1?_state=abc%2Bd%3D%3D") == upload);
  CHECK(resolve_url(post, upload) == upload);
  CHECK(resolve_url(post, "3f9c-1") == "http://127.0.0.1:5000/v2/team/app/blobs/uploads/3f9c-1");
  CHECK(resolve_url(post, "https://storage.example:8443/up/3f9c-1?sig=x") == "https://storage.example:8443/up/3f9c-1?sig=x");
  // After a PATCH to the upload: relative to the upload's own URL, whose last segment goes.
  CHECK(resolve_url(upload, "3f9c-1?_state=next") == "http://127.0.0.1:5000/v2/team/app/blobs/uploads/3f9c-1?_state=next");
  CHECK(resolve_url(upload, "?_state=next") == "http://127.0.0.1:5000/v2/team/app/blobs/uploads/3f9c-1?_state=next");
  // A token realm relative to the /v2/ that challenged.
  CHECK(resolve_url("https://registry.example/v2/", "/token?account=x") == "https://registry.example/token?account=x");
  CHECK(resolve_url("https://registry.example/v2/", "../token") == "https://registry.example/token");
}

TEST_CASE("what cannot be resolved is an error naming it", "[url]") {
  REQUIRE_THROWS_WITH(resolve_url("127.0.0.1:5000/v2/", "x"), Catch::Contains("'127.0.0.1:5000/v2/'"));
  REQUIRE_THROWS_WITH(resolve_url("http://h/v2/", "http://bad host/up"), Catch::Contains("'http://bad host/up'"));
  REQUIRE_THROWS_WITH(resolve_url("http://h/v2/", "up\tload"), Catch::Contains("http://h/v2/"));
}

TEST_CASE("query parameters are appended to the query a URL has, percent-encoded", "[url][registry]") {
  // distribution's _state is kept, byte for byte, and the digest follows it.
  CHECK(upper_escapes(with_query("http://h:5000/v2/r/blobs/uploads/u1?_state=x%2By%3D%3D", {{"digest", kDigest}})) ==
        "http://h:5000/v2/r/blobs/uploads/u1?_state=x%2By%3D%3D&digest=sha256%3A" + std::string(64, 'a'));
  CHECK(upper_escapes(with_query("http://h/v2/r/blobs/uploads/u1", {{"digest", kDigest}})) ==
        "http://h/v2/r/blobs/uploads/u1?digest=sha256%3A" + std::string(64, 'a'));
  // A value holding the characters that would otherwise end or split the parameter.
  CHECK(upper_escapes(with_query("http://h/v2/r/blobs/uploads/", {{"mount", kDigest}, {"from", "team/a&b=c"}})) ==
        "http://h/v2/r/blobs/uploads/?mount=sha256%3A" + std::string(64, 'a') + "&from=team%2Fa%26b%3Dc");
  CHECK(upper_escapes(with_query("https://auth.example/token?account=me", {{"service", "reg"}, {"scope", "repository:a/b:pull"}})) ==
        "https://auth.example/token?account=me&service=reg&scope=repository%3Aa%2Fb%3Apull");
  REQUIRE_THROWS_WITH(with_query("not a url", {{"a", "b"}}), Catch::Contains("'not a url'"));
}

TEST_CASE("a path below a base URL: one '/', with or without a trailing '/' on the base", "[url]") {
  for (const char* mirror : {"http://MIRROR/debian", "http://MIRROR/debian/", "http://MIRROR/debian//"}) {
    INFO(mirror);
    CHECK(url_below(mirror, "dists/bookworm/InRelease") == "http://MIRROR/debian/dists/bookworm/InRelease");
    CHECK(url_below(mirror, "/dists/bookworm/InRelease") == "http://MIRROR/debian/dists/bookworm/InRelease");
  }
  CHECK(url_below("http://MIRROR", "dists/bookworm/InRelease") == "http://MIRROR/dists/bookworm/InRelease");
  CHECK(url_below("http://MIRROR/", "dists/bookworm/InRelease") == "http://MIRROR/dists/bookworm/InRelease");
  CHECK(url_below("file:///srv/mirror/debian/", "pool/x.deb") == "file:///srv/mirror/debian/pool/x.deb");
  CHECK(url_below("https://127.0.0.1:5000", "v2/") == "https://127.0.0.1:5000/v2/");
  CHECK(url_below("http://MIRROR/debian?key=1", "dists/x") == "http://MIRROR/debian/dists/x?key=1");
  // '+' and '~' of Debian file names stay; what would end the path or the segment is encoded.
  CHECK(url_below("http://MIRROR/debian/", "pool/main/g/gcc-12/libstdc++6_12.2.0-14+deb12u1~1_amd64.deb") ==
        "http://MIRROR/debian/pool/main/g/gcc-12/libstdc++6_12.2.0-14+deb12u1~1_amd64.deb");
  CHECK(upper_escapes(url_below("http://MIRROR/debian/", "pool/x/a b#c?d%e.deb")) ==
        "http://MIRROR/debian/pool/x/a%20b%23c%3Fd%25e.deb");
  REQUIRE_THROWS_WITH(url_below("MIRROR/debian", "dists/x"), Catch::Contains("'MIRROR/debian'"));
}

TEST_CASE("percent_encode_path keeps RFC 3986 path characters and encodes the rest", "[url]") {
  CHECK(percent_encode_path("a-z.A_Z~0:9@!$&'()*+,;=/") == "a-z.A_Z~0:9@!$&'()*+,;=/");
  CHECK(percent_encode_path("a b?c#d%e\"f<g>h\\i^j`k{l|m}n") == "a%20b%3Fc%23d%25e%22f%3Cg%3Eh%5Ci%5Ej%60k%7Bl%7Cm%7Dn");
  CHECK(percent_encode_path("\xc3\xa9\x01") == "%C3%A9%01");
}

TEST_CASE("a file: URL gives back the path it names, percent-decoded", "[url]") {
  CHECK(file_url_path("file:///home/u/My%20Bot/.venv.build/project") == std::filesystem::path("/home/u/My Bot/.venv.build/project"));
  CHECK(file_url_path("file:///tmp/100%25/x") == std::filesystem::path("/tmp/100%/x"));
  CHECK(file_url_path("file://localhost/srv/p") == std::filesystem::path("/srv/p"));
  CHECK_FALSE(file_url_path("https://h/srv/p"));
  CHECK_FALSE(file_url_path("/srv/p"));
}

TEST_CASE("the host and port of a URL are read by the URL parser", "[url][registry]") {
  CHECK(url_host_and_port("http://127.0.0.1:5000/v2/") == "127.0.0.1:5000");
  CHECK(url_host_and_port("https://registry.example/v2/x?y=1") == "registry.example");
  CHECK(url_host_and_port("http://user:pass@registry.example:8443/v2/") == "registry.example:8443");
  CHECK(url_host_and_port("http://[::1]:5000/v2/") == "[::1]:5000");
  CHECK(url_host_and_port("http://h:1?x=a/b:2") == "h:1");
}
