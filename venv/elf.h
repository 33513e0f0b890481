// A small ELF64 reader/writer: enough to list DT_NEEDED, DT_SONAME and DT_RUNPATH/DT_RPATH
// and to rewrite a run path in place, so a copied interpreter finds its libpython through
// $ORIGIN instead of the build machine's prefix.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nanoforge::venv {

struct ElfDynamicInfo {
  std::vector<std::string> needed;     // DT_NEEDED, in order
  std::optional<std::string> soname;   // DT_SONAME
  std::optional<std::string> runpath;  // DT_RUNPATH
  std::optional<std::string> rpath;    // DT_RPATH (older linkers)
  bool has_dynamic = false;            // false for static executables and objects
};

// True when the file starts with the ELF magic (cheap: reads four bytes).
bool is_elf_file(const std::filesystem::path& path);

// Reads the dynamic section of a little-endian ELF64 file. Throws nanoforge::Error naming
// the file when it is not ELF64 or its dynamic section is malformed.
ElfDynamicInfo read_elf_dynamic(const std::filesystem::path& path);

// Replaces the DT_RUNPATH (or, when there is none, DT_RPATH) string in place, padding the
// old bytes with NULs. Throws nanoforge::Error naming the file when there is no run path,
// when the new one is longer than the old, or when another name shares the old bytes.
void set_elf_runpath(const std::filesystem::path& path, const std::string& runpath);

// The $ORIGIN-relative form of an absolute run path for a file that moves from `old_root`
// to a new prefix: components under `old_root` become "$ORIGIN/<relative>" from the file's
// directory (given relative to the root); components outside it are dropped (the system's
// default search finds those); "$ORIGIN..." components are kept.
std::string relocated_runpath(const std::string& runpath, const std::filesystem::path& old_root,
                              const std::filesystem::path& file_dir_in_root);

}  // namespace nanoforge::venv
