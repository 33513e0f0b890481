// Debian version numbers ([epoch:]upstream[-revision]) and their ordering, per Debian
// policy 5.6.12 and dpkg's implementation: '~' sorts before everything, even the end.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace nanoforge::rootfs {

struct DebianVersion {
  std::uint32_t epoch = 0;
  std::string upstream;
  std::string revision;  // empty for native packages

  // Parses and validates like dpkg: throws nanoforge::Error naming the text when the epoch
  // is not a number, the upstream part is empty or does not start with a digit, or a part
  // holds a character policy forbids. Leading/trailing blanks are ignored.
  static DebianVersion parse(std::string_view text);
  // The canonical text: epoch shown only when non-zero.
  std::string str() const;
};

// <0, 0, >0 as a is older than, the same as, newer than b.
int compare_versions(const DebianVersion& a, const DebianVersion& b);
// Parses both (throwing on malformed text) and compares.
int compare_versions(std::string_view a, std::string_view b);

// The relations of versioned dependencies ("<<", "<=", "=", ">=", ">>").
enum class VersionRelation { Any, Earlier, EarlierOrEqual, Equal, LaterOrEqual, Later };

// Parses a relation operator; the obsolete "<" and ">" mean "<=" and ">=" as in dpkg.
// Throws nanoforge::Error naming the operator when it is none of these.
VersionRelation parse_version_relation(std::string_view text);
std::string_view to_string(VersionRelation relation);

// Whether `version` satisfies "(relation constraint)"; Any is always satisfied.
bool version_satisfies(std::string_view version, VersionRelation relation,
                       std::string_view constraint);

}  // namespace nanoforge::rootfs
