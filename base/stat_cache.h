// Content fingerprints of files for cache keys, with the SHA-256 of each file remembered by its
// stat identity (device, inode, size, mtime_ns, ctime_ns), as git's index does, so that a key
// over thousands of unchanged files does not read them again.
//
// Why not the stat identity alone: it says nothing of content (two checkouts of the same tree
// differ; a copy gets new inodes), and a file rewritten within one timestamp tick of the moment
// its identity was taken keeps that identity ("racily clean" in git's words). So the content is
// what is keyed, and an entry is only remembered for a file whose mtime and ctime are older
// than the moment it was read by more than any file system's timestamp granularity.
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>

namespace nanoforge {

class StatCache {
 public:
  // Files changed less than this before they are read are not remembered: coarser than any
  // file system's timestamps (FAT's mtime: 2 s; ext3's: 1 s; the kernel's coarse clock: one
  // jiffy), with room for an NFS server's clock running a little ahead.
  static constexpr std::int64_t kRacyMarginNs = 3'000'000'000;

  // Entries live in `file` (one line each; created by save()). A missing, foreign or damaged
  // file reads as an empty cache. An empty path keeps nothing on disk. Tests give a smaller
  // `racy_margin_ns` to have files they just wrote remembered.
  explicit StatCache(std::filesystem::path file = {}, std::int64_t racy_margin_ns = kRacyMarginNs);

  // The SHA-256 (hex) of the content of the regular file at `path`, whose lstat() is `info`:
  // remembered, or read now. Throws nanoforge::Error naming the path when it cannot be read.
  std::string content_sha256(const std::filesystem::path& path, const struct stat& info);

  // Replaces the file with the entries looked up since construction (the others are dropped,
  // so it never grows beyond one run's files), when they differ from what it held. A failure
  // to write is ignored: the cache only saves time.
  void save() const;

  // How many files were read (not found remembered) since construction.
  std::size_t files_read() const { return files_read_; }

 private:
  struct Entry {
    std::uint64_t device = 0, inode = 0, size = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;
    std::string sha256;
    bool operator==(const Entry&) const = default;
  };
  std::filesystem::path file_;
  std::int64_t racy_margin_ns_;
  std::size_t files_read_ = 0;
  std::unordered_map<std::string, Entry> previous_;
  std::unordered_map<std::string, Entry> used_;
};

// A file's fingerprint as a cache key sees it: "file <mode> <sha256>" for a regular file (mode:
// the permission bits in octal, setuid/setgid/sticky included), "symlink <target>", "directory
// <mode>", or "other <st_mode>"; an empty string when the path does not exist. Throws
// nanoforge::Error naming the path when it cannot be read.
std::string file_fingerprint(const std::filesystem::path& path, StatCache& cache);

}  // namespace nanoforge
