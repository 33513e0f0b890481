// SHA-256 against published vectors, and the "algorithm:hex" digest syntax.
#include <catch2/catch.hpp>
#include <string>

#include "base/digest.h"
#include "base/error.h"
#include "test_support.h"

using namespace nanoforge;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;

TEST_CASE("SHA-256 matches the FIPS 180-2 vectors", "[digest]") {
  REQUIRE(sha256_of("").str() == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  REQUIRE(sha256_of("abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  REQUIRE(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("SHA-256 fed in pieces equals one pass and counts the bytes", "[digest]") {
  std::string text(1'000'000, 'a');  // the million-'a' vector
  Sha256 hash;
  for (std::size_t at = 0; at < text.size(); at += 4099) hash.update(text.substr(at, 4099));
  REQUIRE(hash.size() == 1'000'000);
  REQUIRE(hash.finish().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256_of_file hashes the file and names a missing one", "[digest]") {
  TempDir directory;
  write_text(directory / "abc", "abc");
  REQUIRE(sha256_of_file(directory / "abc") == sha256_of("abc"));
  REQUIRE_THROWS_WITH(sha256_of_file(directory / "missing"),
                      Catch::Contains((directory / "missing").string()));
}

TEST_CASE("Digest::parse accepts sha256 and sha512 and refuses the rest", "[digest]") {
  std::string hex(64, 'a');
  auto digest = Digest::parse("sha256:" + hex);
  REQUIRE(digest.algorithm == "sha256");
  REQUIRE(digest.hex == hex);
  REQUIRE(digest.str() == "sha256:" + hex);
  REQUIRE(Digest::parse("sha512:" + std::string(128, '0')).algorithm == "sha512");

  REQUIRE_THROWS_WITH(Digest::parse(hex), Catch::Contains("expected 'sha256:<64 hex digits>'"));
  REQUIRE_THROWS_WITH(Digest::parse("md5:" + hex), Catch::Contains("unsupported algorithm 'md5'"));
  REQUIRE_THROWS_WITH(Digest::parse("sha256:abc"), Catch::Contains("sha256:abc") && Catch::Contains("64"));
  REQUIRE_THROWS_WITH(Digest::parse("sha256:" + std::string(64, 'A')), Catch::Contains("lowercase hex"));
  REQUIRE_THROWS_WITH(Digest::parse("sha256:" + std::string(63, 'a') + "g"), Catch::Contains("hex"));
  REQUIRE_THROWS_AS(Digest::parse(""), Error);
}

TEST_CASE("a short digest is the algorithm and 12 hex digits", "[digest]") {
  auto digest = sha256_of("abc");
  CHECK(digest.short_str() == "sha256:ba7816bf8f01");
}

TEST_CASE("is_sha256_hex takes exactly 64 lowercase hex digits, as Digest::parse does", "[digest]") {
  std::string hex = sha256_of("abc").hex;
  CHECK(is_sha256_hex(hex));
  CHECK_FALSE(is_sha256_hex(hex.substr(1)));
  CHECK_FALSE(is_sha256_hex(hex + "0"));
  std::string upper = hex;
  upper[0] = 'B';
  CHECK_FALSE(is_sha256_hex(upper));
  std::string not_hex = hex;
  not_hex[5] = 'g';
  CHECK_FALSE(is_sha256_hex(not_hex));
  CHECK_FALSE(is_sha256_hex("sha256:" + hex));
}
