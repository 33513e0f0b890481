// The runtime image must not contain Python: the interpreter comes only from the shared venv
// mounted at /opt/venv. This guard fails the build, naming the package or file, when a
// selected package or any file of the tree is a Python interpreter, libpython or a Python
// standard library directory.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "oci/layer_entry.h"

namespace nanoforge::rootfs {

// Why a package name is Python ("python3.11-minimal", "libpython3.11-stdlib", "pypy3"), or
// nullopt.
std::optional<std::string> python_package_reason(const std::string& package_name);

// Why an entry is Python (an executable or symlink named python*, a libpython* library, a
// python2*/python3* directory under usr/lib or usr/local/lib), or nullopt.
std::optional<std::string> python_file_reason(const oci::LayerEntry& entry);

// Throw nanoforge::Error listing every offender (the first 20) with the reason.
void check_no_python_packages(const std::vector<std::string>& package_names);
void check_no_python_files(const std::vector<oci::LayerEntry>& entries);

}  // namespace nanoforge::rootfs
