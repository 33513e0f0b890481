// Package relationship fields (Depends, Pre-Depends, Provides): "a (>= 1.0) | b:any, c".
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "rootfs/debian_version.h"

namespace nanoforge::rootfs {

struct Relation {
  std::string name;          // "libc6"
  std::string architecture;  // ":any", ":native" or ":amd64" qualifier without the colon; "" if none
  VersionRelation relation = VersionRelation::Any;
  std::string version;       // empty when relation is Any

  // "libc6 (>= 2.36)", as Debian writes it.
  std::string str() const;
};

// One comma-separated item: alternatives joined by '|'.
using AlternativeGroup = std::vector<Relation>;

// Parses a relationship field. Architecture restrictions ("[amd64]") and build profiles
// ("<!nocheck>") belong to source packages and are dropped. Throws nanoforge::Error naming
// `source` and the item when a version constraint is malformed.
std::vector<AlternativeGroup> parse_relations(std::string_view text, const std::string& source);

}  // namespace nanoforge::rootfs
