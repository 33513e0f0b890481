// What a server never uses from the standard library, left out when the stdlib is copied
// into the venv. Patterns are fnmatch globs on paths relative to lib/pythonX.Y/ ('*' stays
// within one component); a pattern matching a directory removes all of it.
#pragma once
#include <string>
#include <vector>

namespace nanoforge::venv {

// test/, idlelib, tkinter, turtledemo, ensurepip (unless kept), the static libpython in
// config-X.Y-*, and lib-dynload modules that need X11/Tk or libnsl/libtirpc or exist only
// for CPython's own test suite.
std::vector<std::string> default_prune_list(const std::string& major_minor, bool keep_ensurepip);

// True when `relative_path` (relative to lib/pythonX.Y, '/'-separated) or one of its parent
// directories matches a pattern.
bool is_pruned(const std::string& relative_path, const std::vector<std::string>& patterns);

}  // namespace nanoforge::venv
