// Slimming as debian:bookworm-slim does it: the dpkg path-exclude/path-include rules of its
// /etc/dpkg/dpkg.cfg.d/docker, applied to the unpacked tree.
//
// Decision on dpkg's lists: like the real slim image (where dpkg filters the files at
// unpack time but info/<pkg>.list and .md5sums still name them), the dpkg database keeps
// every path of every package. Scanners then see each package's full contents, and
// `dpkg --verify` reports the excluded documentation as missing, exactly as on
// debian:bookworm-slim.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "rootfs/staging_tree.h"

namespace nanoforge::rootfs {

// One dpkg filter: an absolute glob (fnmatch without FNM_PATHNAME, so '*' crosses '/').
struct SlimRule {
  bool include = false;  // path-include (true) or path-exclude (false)
  std::string pattern;   // "/usr/share/doc/*"
};

// The rules of debian:bookworm-slim: documentation except copyright files, man pages, info,
// groff, lintian and linda data, and translations except C.UTF-8.
std::vector<SlimRule> bookworm_slim_rules();

// nanoforge's default: bookworm-slim's rules plus /usr/share/zoneinfo/right (the leap-second
// zones, 2 MB, which Debian itself moved out of tzdata into tzdata-legacy after bookworm),
// tini-static, and glibc's iconv modules for charsets other than the Unicode forms and the
// Western European and Cyrillic ones (7.6 MB).
std::vector<SlimRule> runtime_slim_rules();

// The default rules followed by one path-include rule for each of `keep` (absolute globs, as
// in a spec's `runtime.keep`): since the last matching rule decides, a kept path stays
// whatever an earlier rule says.
std::vector<SlimRule> runtime_slim_rules(const std::vector<std::string>& keep);

// dpkg's rule: the LAST matching rule decides; a path no rule matches is kept.
bool is_excluded(const std::vector<SlimRule>& rules, const std::string& image_path);

struct SlimResult {
  std::uint64_t files_removed = 0;  // files and symlinks
  std::uint64_t bytes_removed = 0;
  std::uint64_t directories_removed = 0;
};

// Removes every excluded file and symlink, then every excluded directory left empty
// (directories that still hold an included file stay, as dpkg keeps them).
SlimResult slim_tree(StagingTree& tree, const std::vector<SlimRule>& rules);

}  // namespace nanoforge::rootfs
