// Secrets nanoforge generates for an instance (the WebUI's token-issue secret): random bytes
// from OpenSSL's CSPRNG (RAND_bytes), written in base64url without padding (RFC 4648 §5), so
// they fit a secrets-file line, a URL and an HTTP header without quoting.
#pragma once
#include <cstddef>
#include <string>

namespace nanoforge {

// `bytes` random bytes (32 gives 43 characters of [A-Za-z0-9_-]). Throws nanoforge::Error
// when OpenSSL's generator cannot be seeded.
std::string random_secret(std::size_t bytes = 32);

}  // namespace nanoforge
