#include "base/digest.h"

#include <openssl/evp.h>

#include <vector>

#include "base/error.h"
#include "base/file_chunks.h"

namespace nanoforge {

namespace {
bool is_lower_hex(std::string_view text) {
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
}  // namespace

bool is_sha256_hex(std::string_view hex) { return hex.size() == 64 && is_lower_hex(hex); }

Digest Digest::parse(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos)
    throw Error("invalid digest '" + std::string(text) + "': expected 'sha256:<64 hex digits>'");
  Digest digest{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  std::size_t expected_length = digest.algorithm == "sha256" ? 64 : digest.algorithm == "sha512" ? 128 : 0;
  if (expected_length == 0)
    throw Error("invalid digest '" + std::string(text) + "': unsupported algorithm '" +
                digest.algorithm + "'");
  if (digest.hex.size() != expected_length || !is_lower_hex(digest.hex))
    throw Error("invalid digest '" + std::string(text) + "': expected " +
                std::to_string(expected_length) + " lowercase hex digits");
  return digest;
}

struct Sha256::State {
  EVP_MD_CTX* context = nullptr;
  ~State() { EVP_MD_CTX_free(context); }
};

namespace {
// Fetched once: EVP_sha256() makes every EVP_DigestInit_ex look the implementation up in
// OpenSSL's provider tables again, which costs more than hashing a small record.
const EVP_MD* sha256_implementation() {
  static const EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched;
}
}  // namespace

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->context = EVP_MD_CTX_new();
  const EVP_MD* implementation = sha256_implementation();
  if (!state_->context || !implementation || EVP_DigestInit_ex(state_->context, implementation, nullptr) != 1)
    throw Error("OpenSSL could not initialise SHA-256");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(state_->context, data, size);
  size_ += size;
}

Digest Sha256::finish() {
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context, raw, &length);
  static const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned i = 0; i < length; ++i) {
    hex.push_back(digits[raw[i] >> 4]);
    hex.push_back(digits[raw[i] & 0xf]);
  }
  return Digest{"sha256", hex};
}

Digest sha256_of(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.finish();
}

Digest sha256_of_file(const std::filesystem::path& path) {
  Sha256 hash;
  read_file_chunks(path, [&](const char* data, std::size_t size) {
    hash.update(data, size);
    return true;
  });
  return hash.finish();
}

}  // namespace nanoforge
