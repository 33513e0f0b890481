// Sizes as people read them. Here, not in the CLI's console, because the build and verify
// write sizes into their reports (verify's "41.2 MB of 50 MB") and libraries may not include
// the CLI.
#pragma once
#include <cstdint>
#include <string>

namespace nanoforge {

// 41.6 MB style (decimal units, as Docker prints sizes); bytes below 1000 as "512 B".
std::string human_bytes(std::uint64_t bytes);

}  // namespace nanoforge
