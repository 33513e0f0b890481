// Content addresses: streaming SHA-256 (OpenSSL EVP) and the "sha256:<hex>" digest value.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace nanoforge {

// A parsed "algorithm:hex" digest. Only sha256 is produced; parse() accepts sha256 and sha512.
struct Digest {
  std::string algorithm = "sha256";
  std::string hex;

  // "sha256:<hex>"
  std::string str() const { return algorithm + ":" + hex; }
  // "sha256:0123456789ab": the algorithm and the first 12 hex digits, for progress lines and
  // error messages (as `docker images` shortens IDs).
  std::string short_str() const { return algorithm + ":" + hex.substr(0, 12); }
  bool empty() const { return hex.empty(); }
  // Throws nanoforge::Error naming the text when it is not a well-formed digest.
  static Digest parse(std::string_view text);
  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;
};

// True when `hex` is a SHA-256 value as digests, lock files and Debian's indexes write it:
// exactly 64 lowercase hex digits (the check Digest::parse makes for "sha256:").
bool is_sha256_hex(std::string_view hex);

// Incremental SHA-256: update() any number of times, then finish() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  Digest finish();
  // Bytes fed so far.
  std::uint64_t size() const { return size_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::uint64_t size_ = 0;
};

Digest sha256_of(std::string_view bytes);
// Streams the file through SHA-256; throws nanoforge::Error naming the path when unreadable.
Digest sha256_of_file(const std::filesystem::path& path);

}  // namespace nanoforge
