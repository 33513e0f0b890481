#include "rootfs/archive_url.h"

#include "base/error.h"
#include "base/url.h"

namespace nanoforge::rootfs {

std::string archive_url(const std::string& archive, const std::string& path) {
  try {
    return url_below(archive, path);
  } catch (const Error& error) {
    throw Error("Debian archive URL '" + archive + "' (a mirror from the apt sources or the spec's " +
                "runtime.debian, or its snapshot service) cannot be used: " + error.what());
  }
}

}  // namespace nanoforge::rootfs
