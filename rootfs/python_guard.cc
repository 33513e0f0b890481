#include "rootfs/python_guard.h"

#include <regex>

#include "base/error.h"

namespace nanoforge::rootfs {

namespace {

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void throw_if_any(const std::vector<std::string>& offenders, const std::string& what) {
  if (offenders.empty()) return;
  std::string message = "the runtime root file system must not contain Python (the venv at /opt/venv "
                        "provides it), but " +
                        std::to_string(offenders.size()) + " " + what + " would bring it in:";
  for (std::size_t i = 0; i < offenders.size() && i < 20; ++i) message += "\n  " + offenders[i];
  if (offenders.size() > 20) message += "\n  ...";
  throw Error(message);
}

}  // namespace

std::optional<std::string> python_package_reason(const std::string& name) {
  static const std::regex python_package("(lib)?python[0-9.]*(-.*)?|pypy[0-9.]*(-.*)?");
  if (std::regex_match(name, python_package))
    return "package " + name + " is part of a Python interpreter or its standard library";
  return std::nullopt;
}

std::optional<std::string> python_file_reason(const oci::LayerEntry& entry) {
  static const std::regex interpreter("python[0-9.]*[dmu]?|pypy[0-9.]*");
  static const std::regex stdlib_directory("usr/(local/)?lib(64)?/python[23][0-9.]*");
  const std::string name = base_name(entry.path);
  bool executable = entry.type == oci::EntryType::Symlink ||
                    ((entry.type == oci::EntryType::Regular || entry.type == oci::EntryType::Hardlink) &&
                     (entry.mode & 0111) != 0);
  if (executable && std::regex_match(name, interpreter))
    return "/" + entry.path + " is a Python interpreter";
  if (name.starts_with("libpython") && entry.type != oci::EntryType::Directory)
    return "/" + entry.path + " is the Python library";
  if (entry.type == oci::EntryType::Directory && std::regex_match(entry.path, stdlib_directory))
    return "/" + entry.path + " is a Python standard library directory";
  return std::nullopt;
}

void check_no_python_packages(const std::vector<std::string>& package_names) {
  std::vector<std::string> offenders;
  for (const auto& name : package_names)
    if (auto reason = python_package_reason(name)) offenders.push_back(*reason);
  throw_if_any(offenders, "selected packages");
}

void check_no_python_files(const std::vector<oci::LayerEntry>& entries) {
  std::vector<std::string> offenders;
  for (const auto& entry : entries)
    if (auto reason = python_file_reason(entry)) offenders.push_back(*reason);
  throw_if_any(offenders, "files");
}

}  // namespace nanoforge::rootfs
