#include "venv/elf_closure.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/error.h"
#include "venv/elf.h"

namespace nanoforge::venv {
namespace fs = std::filesystem;

std::vector<ElfNeed> elf_needs(const fs::path& venv_dir) {
  std::map<std::string, std::vector<std::string>> needs;
  for (auto it = fs::recursive_directory_iterator(venv_dir); it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file() || it->is_symlink() || !is_elf_file(it->path())) continue;
    ElfDynamicInfo info;
    try {
      info = read_elf_dynamic(it->path());
    } catch (const Error&) {
      continue;  // not ELF64 (a 32-bit test fixture inside some package): not loaded by this interpreter
    }
    for (const auto& library : info.needed)
      needs[library].push_back(it->path().lexically_relative(venv_dir).generic_string());
  }
  std::vector<ElfNeed> result;
  for (auto& [library, users] : needs) {
    std::sort(users.begin(), users.end());
    result.push_back({library, users});
  }
  return result;
}

bool exists_in_root(const fs::path& root, const std::string& relative) {
  // Walk component by component, so a symlink's absolute target stays inside `root`.
  std::vector<std::string> pending;
  for (const auto& part : fs::path(relative)) pending.insert(pending.begin(), part.string());
  std::vector<std::string> resolved;
  int links = 0;
  while (!pending.empty()) {
    std::string part = pending.back();
    pending.pop_back();
    if (part.empty() || part == "." || part == "/") continue;
    if (part == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    fs::path current = root;
    for (const auto& piece : resolved) current /= piece;
    current /= part;
    std::error_code ec;
    auto status = fs::symlink_status(current, ec);
    if (ec || !fs::exists(status)) return false;
    if (fs::is_symlink(status)) {
      if (++links > 40) return false;
      fs::path target = fs::read_symlink(current, ec);
      if (ec) return false;
      if (target.is_absolute()) resolved.clear();
      std::vector<std::string> parts;
      for (const auto& piece : target) parts.push_back(piece.string());
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_back(*it);
      continue;
    }
    resolved.push_back(part);
  }
  return true;
}

std::vector<ElfNeed> elf_closure(const fs::path& venv_dir, const fs::path& rootfs_dir) {
  if (!fs::is_directory(venv_dir)) throw Error("venv " + venv_dir.string() + " is not a directory");
  if (!fs::is_directory(rootfs_dir)) throw Error("root file system " + rootfs_dir.string() + " is not a directory");
  std::set<std::string> in_venv;
  for (auto it = fs::recursive_directory_iterator(venv_dir); it != fs::recursive_directory_iterator(); ++it)
    if (!it->is_directory()) in_venv.insert(it->path().filename().string());
  static const char* kLibraryDirs[] = {"lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu",
                                       "lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu",
                                       "lib64",   "usr/lib64", "lib", "usr/lib", "usr/local/lib"};
  std::vector<ElfNeed> unresolved;
  for (auto& need : elf_needs(venv_dir)) {
    if (in_venv.count(need.library)) continue;
    bool found = false;
    for (const char* dir : kLibraryDirs)
      if (exists_in_root(rootfs_dir, std::string(dir) + "/" + need.library)) {
        found = true;
        break;
      }
    if (!found) unresolved.push_back(std::move(need));
  }
  return unresolved;
}

}  // namespace nanoforge::venv
