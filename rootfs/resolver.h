// Chooses the packages a set of requested names needs, as apt would for an empty root:
// Pre-Depends and Depends (alternatives tried in order, versioned constraints, Provides —
// versioned provides satisfying versioned constraints —, `:any`/`:native`), except that
// packages maintainer scripts use are left out where nothing else needs them, since
// nanoforge never runs those scripts. The exclusion rule: an excluded package is installed
// when a selected package that is not itself excluded Depends on it, directly or through a
// virtual package that no other package provides; a Pre-Depends on it, or any dependency of
// an excluded package, is skipped. Script-only packages are skipped wherever named.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rootfs/package_index.h"
#include "rootfs/package_record.h"

namespace nanoforge::rootfs {

// perl-base, mawk and tar: packages maintainer scripts call (perl, awk, tar), which most
// runtimes need for nothing else; left out by the exclusion rule unless something needs them.
std::vector<std::string> default_exclusions();

// debconf, dpkg and openssl (the command-line tool; libssl3 stays): packages whose every
// dependent uses them only from maintainer scripts, whose work nanoforge does itself —
// debconf for config scripts' questions (none asked), dpkg for its database (written by
// rootfs/dpkg_database.h) and install-info, openssl for ca-certificates' rehash (done by
// rootfs/fixups.h). Never installed through a dependency, whatever the rule; request one by
// name to install it.
std::vector<std::string> script_only_packages();

struct ResolveOptions {
  // Never selected through a dependency; a dependency group whose chosen alternative is one
  // of these is skipped. Naming one in `requested` still installs it.
  std::vector<std::string> exclusions = default_exclusions();
  // Skipped wherever a dependency names them (see script_only_packages()).
  std::vector<std::string> script_only = script_only_packages();
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
  std::vector<std::string> exclusions;  // the lists the rule applied: exclusions, then script_only
  // Excluded packages a selected package Pre-Depends on (or an excluded one depends on), with
  // the dependent that asked: left out.
  std::map<std::string, std::string> skipped;
  // Excluded packages installed because a selected package that is not excluded Depends on
  // them, with that dependent.
  std::map<std::string, std::string> kept;
  std::vector<std::string> script_only;  // ResolveOptions::script_only as applied
  // Why each skipped package was skipped, in words ("app only Pre-Depends on it").
  std::map<std::string, std::string> skip_reasons;

  // The chain from a requested package to `package` (first step: the requested one).
  // Throws nanoforge::Error when `package` is not in the set (naming it, with why_not's reason
  // when it has one).
  std::vector<WhyStep> why(const std::string& package) const;
  // Why an excluded or script-only package is not in the set, naming the rule that applied;
  // nullopt for a package that is in the set or that nothing excluded.
  std::optional<std::string> why_not(const std::string& package) const;
  // "curl (requested) -> libcurl4 (Depends: libcurl4 (= ...)) -> ..." on one line, and for an
  // excluded package that was installed, the rule that installed it.
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
