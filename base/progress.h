// Libraries never print: they report progress through this callback, which the CLI turns
// into a progress line on a terminal or plain log lines elsewhere.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace nanoforge {

struct ProgressEvent {
  std::string step;            // e.g. "compress rootfs layer", "fetch libc6_2.36.deb"
  std::uint64_t done = 0;      // units done so far (bytes unless `unit` says otherwise)
  std::uint64_t total = 0;     // 0 when unknown
  std::string unit = "bytes";
  bool finished = false;
};

using ProgressCallback = std::function<void(const ProgressEvent&)>;

}  // namespace nanoforge
