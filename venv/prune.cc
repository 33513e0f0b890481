#include "venv/prune.h"

#include <fnmatch.h>

namespace nanoforge::venv {

std::vector<std::string> default_prune_list(const std::string& major_minor, bool keep_ensurepip) {
  std::string libpython = "libpython" + major_minor;
  std::vector<std::string> patterns = {
      // CPython's own test suite (127 MB in 3.12) and the GUI/teaching modules.
      "test", "idlelib", "tkinter", "turtledemo", "turtle.py", "__phello__",
      // The static library is only for embedding; the venv ships the shared one.
      "config-" + major_minor + "-*/" + libpython + "*.a",
      // Need libtk/libtcl (X11) or libnsl/libtirpc, which a server runtime does not have.
      "lib-dynload/_tkinter.*", "lib-dynload/nis.*",
      // Extension modules that exist only for CPython's test suite.
      "lib-dynload/_test*", "lib-dynload/_ctypes_test.*", "lib-dynload/_xxtestfuzz.*",
      "lib-dynload/xxlimited*", "lib-dynload/xxsubtype.*",
      // The build machine's installed packages; the venv installs its own.
      "site-packages/*",
  };
  if (!keep_ensurepip) patterns.push_back("ensurepip");
  return patterns;
}

bool is_pruned(const std::string& relative_path, const std::vector<std::string>& patterns) {
  // Check the path and each of its parents, so "test" removes "test/test_os.py".
  std::string prefix = relative_path;
  for (;;) {
    for (const auto& pattern : patterns)
      if (::fnmatch(pattern.c_str(), prefix.c_str(), FNM_PATHNAME) == 0) return true;
    auto slash = prefix.rfind('/');
    if (slash == std::string::npos) return false;
    prefix.resize(slash);
  }
}

}  // namespace nanoforge::venv
