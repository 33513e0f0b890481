#include "rootfs/debian_version.h"

#include <cctype>

#include "base/error.h"

namespace nanoforge::rootfs {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

[[noreturn]] void reject(std::string_view text, const std::string& why) {
  throw Error("invalid Debian version '" + std::string(text) + "': " + why);
}

// Weight of one non-digit character: '~' before the end of the string, the end before
// letters, letters before everything else.
int order(char c) {
  if (is_digit(c)) return 0;
  if (is_alpha(c)) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

// dpkg's verrevcmp: alternate non-digit runs (compared by `order`) and digit runs
// (compared numerically, leading zeroes ignored).
int compare_part(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    int first_difference = 0;
    while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
      int ac = order(at(a, i));
      int bc = order(at(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (is_digit(at(a, i)) && is_digit(at(b, j))) {
      if (!first_difference) first_difference = at(a, i) - at(b, j);
      ++i;
      ++j;
    }
    if (is_digit(at(a, i))) return 1;
    if (is_digit(at(b, j))) return -1;
    if (first_difference) return first_difference;
  }
  return 0;
}

}  // namespace

DebianVersion DebianVersion::parse(std::string_view original) {
  std::string_view text = trim_blanks(original);
  if (text.empty()) reject(original, "it is empty");
  for (char c : text)
    if (c == ' ' || c == '\t') reject(original, "it contains a blank");

  DebianVersion version;
  std::string_view rest = text;
  if (auto colon = rest.find(':'); colon != std::string_view::npos) {
    std::string_view epoch = rest.substr(0, colon);
    if (epoch.empty()) reject(original, "the epoch before ':' is empty");
    std::uint64_t value = 0;
    for (char c : epoch) {
      if (!is_digit(c)) reject(original, "the epoch '" + std::string(epoch) + "' is not a number");
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > 0x7fffffff) reject(original, "the epoch is too large");
    }
    version.epoch = static_cast<std::uint32_t>(value);
    rest.remove_prefix(colon + 1);
  }
  if (auto hyphen = rest.rfind('-'); hyphen != std::string_view::npos) {
    version.revision = std::string(rest.substr(hyphen + 1));
    rest = rest.substr(0, hyphen);
  }
  version.upstream = std::string(rest);
  if (version.upstream.empty()) reject(original, "the upstream version is empty");
  if (!is_digit(version.upstream.front()))
    reject(original, "the upstream version must start with a digit");
  for (char c : version.upstream)
    if (!is_digit(c) && !is_alpha(c) && c != '.' && c != '-' && c != '+' && c != '~' && c != ':')
      reject(original, std::string("the upstream version contains '") + c + "'");
  for (char c : version.revision)
    if (!is_digit(c) && !is_alpha(c) && c != '.' && c != '+' && c != '~')
      reject(original, std::string("the revision contains '") + c + "'");
  return version;
}

std::string DebianVersion::str() const {
  std::string text = epoch ? std::to_string(epoch) + ":" : std::string();
  text += upstream;
  if (!revision.empty()) text += "-" + revision;
  return text;
}

int compare_versions(const DebianVersion& a, const DebianVersion& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (int result = compare_part(a.upstream, b.upstream)) return result < 0 ? -1 : 1;
  int result = compare_part(a.revision, b.revision);
  return result < 0 ? -1 : result > 0 ? 1 : 0;
}

int compare_versions(std::string_view a, std::string_view b) {
  return compare_versions(DebianVersion::parse(a), DebianVersion::parse(b));
}

VersionRelation parse_version_relation(std::string_view text) {
  if (text == "<<") return VersionRelation::Earlier;
  if (text == "<=" || text == "<") return VersionRelation::EarlierOrEqual;
  if (text == "=") return VersionRelation::Equal;
  if (text == ">=" || text == ">") return VersionRelation::LaterOrEqual;
  if (text == ">>") return VersionRelation::Later;
  throw Error("invalid version relation '" + std::string(text) +
              "': expected one of <<, <=, =, >=, >>");
}

std::string_view to_string(VersionRelation relation) {
  switch (relation) {
    case VersionRelation::Any: return "";
    case VersionRelation::Earlier: return "<<";
    case VersionRelation::EarlierOrEqual: return "<=";
    case VersionRelation::Equal: return "=";
    case VersionRelation::LaterOrEqual: return ">=";
    case VersionRelation::Later: return ">>";
  }
  return "";
}

bool version_satisfies(std::string_view version, VersionRelation relation,
                       std::string_view constraint) {
  if (relation == VersionRelation::Any) return true;
  int order = compare_versions(version, constraint);
  switch (relation) {
    case VersionRelation::Any: return true;
    case VersionRelation::Earlier: return order < 0;
    case VersionRelation::EarlierOrEqual: return order <= 0;
    case VersionRelation::Equal: return order == 0;
    case VersionRelation::LaterOrEqual: return order >= 0;
    case VersionRelation::Later: return order > 0;
  }
  return false;
}

}  // namespace nanoforge::rootfs
