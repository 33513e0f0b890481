// Chooses the packages a set of requested names needs, as apt would for an empty root:
// Pre-Depends and Depends (alternatives tried in order, versioned constraints, Provides —
// versioned provides satisfying versioned constraints —, `:any`/`:native`), except that
// packages whose only job is running maintainer scripts are left out and dependencies on
// them skipped, since nanoforge never runs those scripts.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "rootfs/package_index.h"
#include "rootfs/package_record.h"

namespace nanoforge::rootfs {

// debconf, dpkg, perl-base, mawk, tar and openssl (the command-line tool; libssl3 stays).
// What only they depend on is never reached, so it is left out too.
std::vector<std::string> default_exclusions();

struct ResolveOptions {
  // Never selected through a dependency; a dependency group whose chosen alternative is one
  // of these is skipped. Naming one in `requested` still installs it.
  std::vector<std::string> exclusions = default_exclusions();
  // When a group lists both names, the second is chosen: usr-is-merged (an empty marker of a
  // merged /usr, which nanoforge makes) rather than usrmerge (a perl conversion script).
  std::map<std::string, std::string> alternative_pins{{"usrmerge", "usr-is-merged"}};
};

// How a package came in: the package whose dependency selected it, and that dependency.
struct WhyStep {
  std::string package;   // "libcurl4"
  std::string relation;  // "Depends: libcurl4 (= 7.88.1-10+deb12u8)" of the previous step; "requested" first
};

struct Resolution {
  std::vector<PackageRecord> packages;  // the selected set, in name order
  std::vector<std::string> requested;
  // Excluded packages some selected package depended on, with the dependent that asked.
  std::map<std::string, std::string> skipped;

  // The chain from a requested package to `package` (first step: the requested one).
  // Throws nanoforge::Error when `package` is not in the set (naming it, and saying so when
  // it was skipped as script-only).
  std::vector<WhyStep> why(const std::string& package) const;
  // "curl (requested) -> libcurl4 (Depends: libcurl4 (= ...)) -> ..." on one line.
  std::string explain(const std::string& package) const;

  // Filled by resolve_packages: for each selected package, who selected it and through what.
  std::map<std::string, std::pair<std::string, std::string>> reasons;
};

// Resolves `requested` against `universe`. Throws nanoforge::Error naming the chain when a
// requested package does not exist or a dependency cannot be satisfied (with the versions
// that are available), e.g. "no package satisfies 'libfoo (>= 3)', needed by bar <- curl
// (requested); the archive has libfoo 2.0-1".
Resolution resolve_packages(const PackageUniverse& universe, const std::vector<std::string>& requested,
                            const ResolveOptions& options = {});

}  // namespace nanoforge::rootfs
