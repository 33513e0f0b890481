// Which shared libraries the venv's ELF files need that neither the venv itself nor a
// runtime root file system provides: what `verify` reports before an instance fails to start.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace nanoforge::venv {

struct ElfNeed {
  std::string library;                  // DT_NEEDED name: "libffi.so.8"
  std::vector<std::string> needed_by;   // venv-relative paths of the files that need it
};

// Every DT_NEEDED of every ELF file in the venv, by library name (sorted).
std::vector<ElfNeed> elf_needs(const std::filesystem::path& venv_dir);

// The needs that no file of the venv and no library directory of `rootfs_dir` provides
// (lib/x86_64-linux-gnu, usr/lib/x86_64-linux-gnu, lib, usr/lib, lib64, usr/lib64, and the
// other multiarch directories, following symlinks such as merged-/usr's lib -> usr/lib
// inside the root, never out of it). Empty: the venv runs on that root.
std::vector<ElfNeed> elf_closure(const std::filesystem::path& venv_dir, const std::filesystem::path& rootfs_dir);

// True when `relative` (e.g. "usr/lib/x86_64-linux-gnu/libc.so.6") exists inside `root`,
// resolving every symlink relative to `root` (absolute targets are rooted there too).
bool exists_in_root(const std::filesystem::path& root, const std::string& relative);

}  // namespace nanoforge::venv
