#include "base/human_bytes.h"

#include <iomanip>
#include <sstream>

namespace nanoforge {

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  std::ostringstream out;
  if (unit == 0) out << bytes << " B";
  else out << std::fixed << std::setprecision(value < 10 ? 2 : 1) << value << " " << units[unit];
  return out.str();
}

}  // namespace nanoforge
