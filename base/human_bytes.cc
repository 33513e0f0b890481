#include "base/human_bytes.h"

#include <cstdio>

namespace nanoforge {

std::string human_bytes(std::uint64_t bytes, ByteUnits units) {
  static const char* const decimal_units[] = {"B", "kB", "MB", "GB", "TB"};
  static const char* const binary_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  bool decimal = units == ByteUnits::decimal;
  double step = decimal ? 1000 : 1024;
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= step && unit < 4) {
    value /= step;
    ++unit;
  }
  char text[48];
  if (decimal) {
    if (unit == 0) std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
    else std::snprintf(text, sizeof text, value < 10 ? "%.2f %s" : "%.1f %s", value, decimal_units[unit]);
  } else {
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f%s" : "%.1f%s", value, binary_units[unit]);
  }
  return text;
}

}  // namespace nanoforge
