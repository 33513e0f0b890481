#include "base/random_secret.h"

#include <openssl/rand.h>

#include <vector>

#include "base/base64.h"
#include "base/error.h"

namespace nanoforge {

std::string random_secret(std::size_t bytes) {
  std::vector<unsigned char> random(bytes);
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
    throw Error("cannot generate a secret: OpenSSL's random generator is not seeded");
  std::string text = base64_encode(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
  // base64 -> base64url, unpadded.
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

}  // namespace nanoforge
