// The venv's interpreter half: the CPython binary, libpython and the pruned standard library
// copied out of an installed prefix into the venv, debug symbols stripped, and every ELF run
// path made $ORIGIN-relative, so the tree runs wherever it is put.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/progress.h"
#include "venv/python_source.h"

namespace nanoforge::venv {

// Size of a tree: bytes of regular files and number of entries (files, links, directories).
struct TreeSize {
  std::uint64_t bytes = 0;
  std::uint64_t files = 0;
};
TreeSize measure_tree(const std::filesystem::path& root);

struct AssembleOptions {
  std::vector<std::string> prune;  // patterns, see prune.h
  bool strip_debug = true;
};

// Fills `venv_dir` (created, must not exist) with bin/pythonX.Y (+ python3, python links),
// lib/libpythonX.Y.so*, lib/pythonX.Y (pruned, without __pycache__ or site-packages content)
// and include/pythonX.Y. Returns the size of what it copied.
TreeSize assemble_interpreter(const PythonInstall& python, const std::filesystem::path& venv_dir,
                              const AssembleOptions& options, const ProgressCallback& progress = {});

// Strips debug symbols (when asked) and rewrites run paths of every ELF file under
// `venv_dir` that point into `old_prefix`. Throws when the interpreter needs libpython but
// has no run path to point at the venv's lib/.
void relocate_elf_files(const std::filesystem::path& venv_dir, const std::filesystem::path& old_prefix,
                        bool strip_debug);

}  // namespace nanoforge::venv
