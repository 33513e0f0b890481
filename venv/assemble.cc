#include "venv/assemble.h"

#include <algorithm>

#include "base/container_contract.h"
#include "base/atomic_file.h"
#include "base/error.h"
#include "venv/elf.h"
#include "venv/process.h"
#include "venv/prune.h"

namespace nanoforge::venv {
namespace fs = std::filesystem;
namespace {

void copy_regular(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw Error("cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
  fs::permissions(to, fs::status(from).permissions(), ec);
}

// Copies `from` into `to` recursively, leaving out what `skip(relative path)` says.
template <typename Skip>
void copy_tree(const fs::path& from, const fs::path& to, Skip skip) {
  fs::create_directories(to);
  std::vector<fs::directory_entry> entries;
  for (const auto& entry : fs::directory_iterator(from)) entries.push_back(entry);
  for (const auto& entry : entries) {
    auto name = entry.path().filename();
    auto target = to / name;
    auto status = entry.symlink_status();
    if (fs::is_symlink(status)) {
      if (skip(entry.path(), false)) continue;
      fs::create_symlink(fs::read_symlink(entry.path()), target);
    } else if (fs::is_directory(status)) {
      if (skip(entry.path(), true)) continue;
      copy_tree(entry.path(), target, skip);
    } else if (fs::is_regular_file(status)) {
      if (skip(entry.path(), false)) continue;
      copy_regular(entry.path(), target);
    }
  }
}

std::vector<fs::path> elf_files(const fs::path& root) {
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it)
    if (it->is_regular_file() && !it->is_symlink() && is_elf_file(it->path())) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  return files;
}

// The build configuration sysconfig reports names the source prefix; it becomes /opt/venv,
// where the venv is mounted, so no path of the build machine is left in the tree.
void forget_source_prefix(const fs::path& stdlib, const fs::path& old_prefix) {
  // A system prefix is no trace of the build machine, and replacing "/usr" would also hit
  // paths that have nothing to do with Python.
  if (old_prefix == "/usr" || old_prefix == "/usr/local" || old_prefix == "/") return;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(stdlib)) {
    auto name = entry.path().filename().string();
    if (name.rfind("_sysconfigdata", 0) == 0 && entry.path().extension() == ".py") files.push_back(entry.path());
    if (name.rfind("config-", 0) == 0 && entry.is_directory())
      for (const char* text : {"Makefile", "python-config.py"})
        if (fs::exists(entry.path() / text)) files.push_back(entry.path() / text);
  }
  std::vector<std::string> prefixes = {old_prefix.string()};
  std::error_code ec;
  auto canonical = fs::canonical(old_prefix, ec).string();
  if (!ec && canonical != prefixes[0]) prefixes.push_back(canonical);
  for (const auto& file : files) {
    std::string text = read_file(file);
    bool changed = false;
    for (const auto& prefix : prefixes)
      for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 9)) {
        text.replace(at, prefix.size(), contract::kVenvMountPoint);
        changed = true;
      }
    if (changed) write_file_atomically(file, text, static_cast<unsigned>(fs::status(file).permissions()));
  }
}

}  // namespace

TreeSize measure_tree(const fs::path& root) {
  TreeSize size;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); ++it) {
    ++size.files;
    if (it->is_regular_file() && !it->is_symlink()) size.bytes += it->file_size();
  }
  return size;
}

TreeSize assemble_interpreter(const PythonInstall& python, const fs::path& venv_dir,
                              const AssembleOptions& options, const ProgressCallback& progress) {
  if (fs::exists(venv_dir)) throw Error("venv build directory " + venv_dir.string() + " already exists");
  const std::string mm = python.major_minor;
  const std::string exe = "python" + mm;
  if (progress) progress({"copy interpreter and standard library", 0, 0, "steps"});
  fs::create_directories(venv_dir / "bin");
  fs::create_directories(venv_dir / "lib");
  copy_regular(fs::canonical(python.executable()), venv_dir / "bin" / exe);
  fs::create_symlink(exe, venv_dir / "bin" / "python3");
  fs::create_symlink(exe, venv_dir / "bin" / "python");

  // libpython (for --enable-shared builds) and the stable-ABI stub beside it.
  for (const auto& name : {"libpython" + mm + ".so.1.0", std::string("libpython3.so")}) {
    fs::path source = python.prefix / "lib" / name;
    if (fs::exists(source)) copy_regular(fs::canonical(source), venv_dir / "lib" / name);
  }
  if (fs::exists(venv_dir / "lib" / ("libpython" + mm + ".so.1.0")))
    fs::create_symlink("libpython" + mm + ".so.1.0", venv_dir / "lib" / ("libpython" + mm + ".so"));

  const fs::path stdlib = python.prefix / "lib" / ("python" + mm);
  copy_tree(stdlib, venv_dir / "lib" / ("python" + mm), [&](const fs::path& path, bool is_dir) {
    // Bytecode is compiled afresh (unchecked-hash) once the venv is complete.
    if (is_dir && path.filename() == "__pycache__") return true;
    return is_pruned(path.lexically_relative(stdlib).generic_string(), options.prune);
  });
  fs::create_directories(venv_dir / "lib" / ("python" + mm) / "site-packages");
  forget_source_prefix(venv_dir / "lib" / ("python" + mm), python.prefix);
  fs::path include = python.prefix / "include" / ("python" + mm);
  if (fs::is_directory(include))
    copy_tree(include, venv_dir / "include" / ("python" + mm), [](const fs::path&, bool) { return false; });

  relocate_elf_files(venv_dir, python.prefix, options.strip_debug);
  return measure_tree(venv_dir);
}

void relocate_elf_files(const fs::path& venv_dir, const fs::path& old_prefix, bool strip_debug) {
  auto files = elf_files(venv_dir);
  if (strip_debug && !files.empty()) {
    // One strip per batch: starting binutils for each of a hundred modules costs seconds.
    for (std::size_t start = 0; start < files.size(); start += 64) {
      std::vector<std::string> argv = {"strip", "--strip-debug"};
      for (std::size_t i = start; i < std::min(files.size(), start + 64); ++i) argv.push_back(files[i].string());
      run_checked("strip --strip-debug (binutils) on the venv's ELF files", argv);
    }
  }
  std::vector<fs::path> prefixes = {old_prefix};
  std::error_code ec;
  auto canonical = fs::canonical(old_prefix, ec);
  if (!ec && canonical != old_prefix) prefixes.push_back(canonical);
  for (const auto& file : files) {
    auto info = read_elf_dynamic(file);
    auto current = info.runpath ? info.runpath : info.rpath;
    auto dir_in_venv = file.parent_path().lexically_relative(venv_dir);
    if (!current) {
      bool needs_libpython = std::any_of(info.needed.begin(), info.needed.end(), [](const std::string& name) {
        return name.rfind("libpython", 0) == 0;
      });
      if (needs_libpython && dir_in_venv == "bin")
        throw Error("interpreter " + file.string() +
                    " needs libpython but has no RUNPATH to point at the venv's lib/ "
                    "(use a CPython built with an rpath, e.g. pyenv's, or a python-build-standalone tarball)");
      continue;
    }
    fs::path root = old_prefix;
    for (const auto& prefix : prefixes)
      if (current->find(prefix.string()) != std::string::npos) root = prefix;
    std::string relocated = relocated_runpath(*current, root, dir_in_venv);
    // Whatever the source pointed at (another machine's prefix, say), libpython is in the
    // venv's lib/ now, and that is where its users must look.
    bool needs_libpython = std::any_of(info.needed.begin(), info.needed.end(), [](const std::string& name) {
      return name.rfind("libpython", 0) == 0;
    });
    if (needs_libpython) {
      auto to_lib = fs::path("lib").lexically_relative(dir_in_venv).generic_string();
      relocated = to_lib == "." ? "$ORIGIN" : "$ORIGIN/" + to_lib;
    }
    // A run path cannot be removed in place; "$ORIGIN" is the harmless stand-in for none.
    if (relocated.empty()) relocated = "$ORIGIN";
    if (relocated != *current) set_elf_runpath(file, relocated);
  }
}

}  // namespace nanoforge::venv
