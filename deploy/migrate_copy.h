// `instance migrate`: copying a host's Nanobot data directory and workspace into an instance
// directory (config/ and workspace/, see migrate_source.h for what lands where). Planned
// first, from metadata alone, so that --dry-run shows exactly what the copy then does.
//
// What is kept: regular files with their permission bits (rwx for user, group, other; not
// setuid, setgid or sticky: the copy belongs to whoever runs nanoforge, or to the container's
// user, and must not lend their rights) and modification times; directories likewise;
// symbolic links as links when their target (read lexically, relative to the link) lies in
// the copied trees, rewritten to the same place in the instance (an absolute host path would
// not exist in the container). Left out and reported: links that point elsewhere (or into
// what is not copied), sockets, FIFOs and devices.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "deploy/migrate_source.h"

namespace nanoforge::deploy {

// One top-level entry of the data directory, or the workspace, as the plan shows it.
struct CopyItem {
  std::filesystem::path from;  // on the host
  std::string to;              // relative to the instance directory, e.g. "config/sessions"
  std::size_t files = 0;       // regular files and links below (or itself)
  std::uintmax_t bytes = 0;    // their sizes
};

struct CopyEntry {
  enum class Kind { directory, file, symlink };
  Kind kind = Kind::file;
  std::filesystem::path from;    // on the host
  std::filesystem::path to;      // relative to the instance directory
  std::string link;              // Kind::symlink: the target written into the instance
  mode_t mode = 0;               // permission bits (0777 at most)
  timespec mtime{};
};

struct CopyPlan {
  std::vector<CopyItem> items;
  std::vector<CopyEntry> entries;    // parents before children
  std::vector<std::string> skipped;  // "SOURCE: why it is not copied"
};

// Walks the data directory and the workspace (when it exists); reads metadata only.
// Throws nanoforge::Error naming a directory that cannot be read.
CopyPlan plan_copy(const SourceHome& source, const InstanceLayoutMap& layout);

// Secrets shorter than this are not looked for in copied files: they would match by chance.
inline constexpr std::size_t kMinScannedSecret = 8;

// A copied file whose bytes hold one of the values looked for.
struct ScanHit {
  std::filesystem::path file;  // relative to the instance directory
  std::size_t value = 0;       // index into `values`
};

struct CopyResult {
  std::size_t files = 0;
  std::vector<ScanHit> hits;  // one per (file, value)
};

// Copies every entry into `instance_dir` (files existing there, such as a staged SOUL.md,
// are replaced), looking for each of `values` (kMinScannedSecret bytes or longer) in the
// bytes on the way. Directories get their modes and times only in finish_directories(), so
// the copy can write into read-only ones. `instance_dir` empty: reads and looks only (a dry
// run). Throws nanoforge::Error naming the file that cannot be read or written.
CopyResult copy_planned(const CopyPlan& plan, const std::filesystem::path& instance_dir,
                        const std::vector<std::string>& values);

// Gives the copied directories their modes and modification times (deepest first). Throws
// nanoforge::Error naming the directory when chmod or utimensat fail.
void finish_directories(const CopyPlan& plan, const std::filesystem::path& instance_dir);

// Makes every directory under `root` writable by its owner again, so a staging directory
// with read-only copies in it can be removed. Never throws.
void make_removable(const std::filesystem::path& root);

}  // namespace nanoforge::deploy
