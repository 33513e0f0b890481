#include "rootfs/python_guard.h"

#include <catch2/catch.hpp>

#include "base/error.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;

namespace {
oci::LayerEntry entry(const std::string& path, oci::EntryType type, unsigned mode = 0644) {
  oci::LayerEntry result;
  result.path = path;
  result.type = type;
  result.mode = mode;
  return result;
}
}  // namespace

TEST_CASE("python_package_reason names Python packages", "[python_guard]") {
  for (const char* name : {"python3", "python3.11", "python3.11-minimal", "libpython3.11-stdlib",
                           "libpython3.11", "python3-minimal", "python-is-python3", "pypy3"})
    CHECK(python_package_reason(name).has_value());
  for (const char* name : {"bash", "libc6", "curl", "ca-certificates", "libexpat1", "libffi8", "cython-doc"})
    CHECK_FALSE(python_package_reason(name).has_value());
}

TEST_CASE("python_file_reason finds interpreters, libpython and stdlib directories", "[python_guard]") {
  using oci::EntryType;
  CHECK(python_file_reason(entry("usr/bin/python3.11", EntryType::Regular, 0755)));
  CHECK(python_file_reason(entry("usr/bin/python3", EntryType::Symlink)));
  CHECK(python_file_reason(entry("usr/local/bin/python", EntryType::Regular, 0755)));
  CHECK(python_file_reason(entry("usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", EntryType::Regular)));
  CHECK(python_file_reason(entry("usr/lib/python3.11", EntryType::Directory, 0755)));
  CHECK(python_file_reason(entry("usr/lib/python3", EntryType::Directory, 0755)));
  CHECK(python_file_reason(entry("usr/local/lib/python3.12", EntryType::Directory, 0755)));
  // Names that only look alike.
  CHECK_FALSE(python_file_reason(entry("usr/share/doc/python3/copyright", EntryType::Regular)));
  CHECK_FALSE(python_file_reason(entry("usr/share/bash-completion/python", EntryType::Regular, 0644)));
  CHECK_FALSE(python_file_reason(entry("usr/bin/pythonic-tool", EntryType::Regular, 0755)));
  CHECK_FALSE(python_file_reason(entry("usr/lib/x86_64-linux-gnu", EntryType::Directory, 0755)));
}

TEST_CASE("the guard fails naming every offender", "[python_guard]") {
  CHECK_NOTHROW(check_no_python_packages({"bash", "libc6"}));
  CHECK_THROWS_WITH(check_no_python_packages({"bash", "python3.11-minimal", "libpython3.11-stdlib"}),
                    Catch::Contains("python3.11-minimal") && Catch::Contains("libpython3.11-stdlib") &&
                        Catch::Contains("must not contain Python"));
  CHECK_THROWS_WITH(check_no_python_files({entry("usr/bin/bash", oci::EntryType::Regular, 0755),
                                           entry("usr/bin/python3", oci::EntryType::Symlink)}),
                    Catch::Contains("/usr/bin/python3"));
}
