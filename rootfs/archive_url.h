// URLs of files in a Debian archive: a mirror's or the snapshot service's root, given with or
// without a trailing '/' (apt sources, `runtime.debian.mirrors`, `runtime.debian.snapshot`),
// and a path below it from the archive's own indices.
#pragma once
#include <string>

namespace nanoforge::rootfs {

// The URL of `path` ("dists/bookworm/InRelease", "pool/main/g/gcc-12/libgcc-s1_12.2.0-14_amd64.deb")
// below the archive root `archive` ("http://MIRROR/debian" or "http://MIRROR/debian/"): one
// '/' between them, and every byte of `path` a URL path cannot hold as it is ('#', '?', '%',
// a blank) percent-encoded (RFC 3986 §3.3), so a file name never turns into a query or a
// fragment. Throws nanoforge::Error naming `archive` when it is not an absolute URL.
std::string archive_url(const std::string& archive, const std::string& path);

}  // namespace nanoforge::rootfs
