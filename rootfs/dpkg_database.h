// The dpkg database of the image, as dpkg itself would have left it after installing the
// packages: what vulnerability scanners (trivy, grype, syft) and `dpkg-query` read.
#pragma once
#include <string>
#include <vector>

#include "rootfs/staging_tree.h"
#include "rootfs/unpack.h"

namespace nanoforge::rootfs {

// The name of a package's files under info/: "<pkg>" or, for Multi-Arch: same packages,
// "<pkg>:<arch>" (dpkg's rule, so dpkg-query finds them).
std::string dpkg_info_name(const UnpackedPackage& package);

// The status stanza: the package's control fields with `Status: install ok installed` after
// `Package`, and `Conffiles` with the MD5 of each conffile as unpacked in `tree`.
std::string dpkg_status_stanza(const UnpackedPackage& package, const StagingTree& tree);

// Writes var/lib/dpkg/: status (packages sorted by name), info/<pkg>.list,
// info/<pkg>.md5sums (when the package has them), info/<pkg>.conffiles, info/format, and the
// empty updates/, triggers/ and alternatives/ directories dpkg expects.
void write_dpkg_database(StagingTree& tree, const std::vector<UnpackedPackage>& packages);

}  // namespace nanoforge::rootfs
