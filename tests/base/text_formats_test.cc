// Byte counts for people, base64 and temporary-name suffixes: one copy each in base/.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "base/base64.h"
#include "base/human_bytes.h"
#include "base/random_suffix.h"

using namespace nanoforge;

TEST_CASE("human_bytes prints sizes in decimal units, as docker images does", "[human_bytes]") {
  CHECK(human_bytes(0) == "0 B");
  CHECK(human_bytes(999) == "999 B");
  CHECK(human_bytes(1000) == "1.00 kB");
  CHECK(human_bytes(9'510'000) == "9.51 MB");
  CHECK(human_bytes(41'600'000) == "41.6 MB");
  CHECK(human_bytes(2'000'000'000'000'000ull) == "2000.0 TB");
}

TEST_CASE("human_bytes prints memory in binary units, as docker stats does", "[human_bytes]") {
  CHECK(human_bytes(512, ByteUnits::binary) == "512B");
  CHECK(human_bytes(1024, ByteUnits::binary) == "1.0KiB");
  CHECK(human_bytes(150ull << 20, ByteUnits::binary) == "150.0MiB");
  CHECK(human_bytes(1ull << 30, ByteUnits::binary) == "1.0GiB");
}

TEST_CASE("base64 follows RFC 4648's test vectors both ways", "[base64]") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == std::string(plain));
  }
  CHECK(base64_decode("Zm9v\nYmFy") == std::string("foobar"));
  CHECK_FALSE(base64_decode("Zm9").has_value());
  CHECK_FALSE(base64_decode("Zm9v!!==").has_value());
}

TEST_CASE("random_suffix gives lowercase hex that differs between calls", "[random_suffix]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto suffix = random_suffix();
    CHECK_FALSE(suffix.empty());
    CHECK(suffix.size() <= 16);
    CHECK(suffix.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(suffix);
  }
  CHECK(seen.size() == 100);
}
