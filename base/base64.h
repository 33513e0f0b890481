// Base64 (RFC 4648 §4, standard alphabet with '=' padding) through OpenSSL's EVP block coder:
// HTTP Basic credentials (RFC 7617) and the "auth" field of Docker's config.json.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace nanoforge {

// The padded encoding of `bytes`, on one line. Throws nothing but std::bad_alloc.
std::string base64_encode(std::string_view bytes);

// The bytes `text` encodes; line breaks and spaces in it are ignored. std::nullopt when it is
// not valid padded base64 (the caller names the file and field in its error).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace nanoforge
