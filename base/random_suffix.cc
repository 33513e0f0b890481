#include "base/random_suffix.h"

#include <random>
#include <sstream>

namespace nanoforge {

std::string random_suffix() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  std::ostringstream out;
  out << std::hex << generator();
  return out.str();
}

}  // namespace nanoforge
