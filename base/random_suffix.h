// Names for temporary siblings (".staging-NAME-<suffix>", ".NAME.tmp-<suffix>") that two
// processes or threads do not pick alike.
#pragma once
#include <string>

namespace nanoforge {

// 64 random bits as lowercase hex (1 to 16 digits), from a per-thread generator seeded by
// std::random_device. Not for secrets. Throws only what std::random_device throws.
std::string random_suffix();

}  // namespace nanoforge
