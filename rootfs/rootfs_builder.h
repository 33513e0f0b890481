// The rootfs stage as one call: resolve the Debian packages (or take them from the lock),
// fetch and verify the .debs, unpack them without maintainer scripts, do the scripts' work
// (fixups.h), write the dpkg database, slim, and check that no Python came in. The result is
// the layer entries oci::write_layer takes.
//
// The tree is assembled in a scratch directory (in RAM when a tmpfs has room) and cached as
// one plain tar, <cache_dir>/rootfs/<key>/tree.tar, the key being the digest of
// everything that decides its bytes (the locked packages with their SHA-256, the runtime
// user, the time zone, the slimming rules, the host's ldconfig, the format version), so an unchanged rebuild
// only reads that archive.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "oci/layer_entry.h"
#include "base/progress.h"
#include "rootfs/fixups.h"
#include "rootfs/lock_file.h"
#include "rootfs/package_index.h"
#include "rootfs/repository_config.h"
#include "rootfs/resolver.h"
#include "rootfs/slimming.h"

namespace nanoforge::rootfs {

struct RootfsOptions {
  std::string profile = "standard";         // profiles.h: "standard" or "minimal"
  std::vector<std::string> extra_packages;  // installed on top of the profile
  // Script-only packages left out (resolver.h's default_exclusions()); empty keeps the default.
  std::vector<std::string> exclusions;
  // Suites and mirrors; when `suites` is empty, the machine's apt sources decide.
  RepositoryConfig repository;
  // The lock to reuse and (re)write; empty: resolve every time, keep no lock file.
  std::filesystem::path lock_file;
  bool update_lock = false;  // resolve afresh even when the lock matches the request
  FixupOptions fixups;       // runtime user, time zone
  std::vector<SlimRule> slim_rules = runtime_slim_rules();
  // Where the tree is assembled before it is archived; empty: a tmpfs with room
  // ($XDG_RUNTIME_DIR, /dev/shm), else beside the cache. The archive is the same either way.
  std::filesystem::path scratch_dir;
};

struct InstalledPackage {
  std::string name;
  std::string version;
  std::string architecture;
};

struct RootfsResult {
  std::filesystem::path tree_archive;       // the tree as a plain tar; do not modify (it is the cache)
  std::vector<oci::LayerEntry> entries;     // what the layer holds (content in memory), owners from the packages
  std::vector<InstalledPackage> packages;   // in name order
  LockFile lock;
  std::string cache_key;                    // "sha256:..." of the tree's inputs
  bool reused = false;                      // true when the cached tree was used
  std::uint64_t installed_bytes = 0;        // regular-file bytes in the tree (hard links once)
  std::uint64_t slimmed_bytes = 0;          // bytes slimming removed (from the cache record)
  std::uint64_t file_count = 0;             // entries of the layer
  std::size_t ca_certificates = 0;          // certificates in /etc/ssl/certs/ca-certificates.crt
  std::vector<std::string> alternatives;    // update-alternatives groups written (alternatives.h)
  // What a maintainer script would have done that the build did not reproduce, in words (a
  // non-literal update-alternatives call, a link whose place was taken): for the user to see.
  std::vector<std::string> notes;
};

// Builds (or reuses) the root file system. Throws nanoforge::Error naming what failed — an
// unknown package, a stale lock entry, a corrupt .deb, an unsafe path, a Python package or
// file — and leaves the cache and any earlier tree intact.
RootfsResult build_rootfs(const RootfsOptions& options, const std::filesystem::path& cache_dir,
                          const ProgressCallback& progress = {});

// The repository a build of `options` reads: its own suites, else the machine's apt sources.
RepositoryConfig repository_for(const RootfsOptions& options);

// The package set a build of `options` installs when it resolves afresh: the profile and the
// extra packages, their dependencies in `universe`, minus the exclusions. What `build_rootfs`
// and `nanoforge rootfs why` share. Throws nanoforge::Error for an unknown package, an
// unsatisfiable dependency or a Python package requested or pulled in.
Resolution resolve_rootfs_request(const PackageUniverse& universe, const RootfsOptions& options);

// The cache key of a tree built from `lock` with `options`; reads only the ldconfig binary
// the fixups run (its digest is part of the key). Throws nanoforge::Error when that binary
// exists but cannot be read.
std::string rootfs_cache_key(const LockFile& lock, const RootfsOptions& options);

}  // namespace nanoforge::rootfs
