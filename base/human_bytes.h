// Byte counts for people, in the units the engines print next to ours.
#pragma once
#include <cstdint>
#include <string>

namespace nanoforge {

enum class ByteUnits {
  // Powers of 1000 with a space, as `docker images` prints sizes: "512 B", "9.51 MB", "41.6 MB".
  decimal,
  // Powers of 1024 without a space, as `docker stats` prints memory: "512B", "150.0MiB", "1.0GiB".
  binary,
};

// `bytes` in the largest unit (up to TB/TiB) that keeps the number at least 1. Throws nothing
// but std::bad_alloc.
std::string human_bytes(std::uint64_t bytes, ByteUnits units = ByteUnits::decimal);

}  // namespace nanoforge
