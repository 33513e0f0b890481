#include "base/container_contract.h"

namespace nanoforge::contract {

std::vector<std::string> healthcheck_command(int port) {
  return {"CMD", std::string(kVenvMountPoint) + "/bin/python", "-c",
          "import sys, urllib.request; "
          "sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:" + std::to_string(port) +
              "/health', timeout=4).status == 200 else 1)"};
}

}  // namespace nanoforge::contract
