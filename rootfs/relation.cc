#include "rootfs/relation.h"

#include "base/error.h"

namespace nanoforge::rootfs {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

Relation parse_one(std::string_view item, const std::string& source) {
  // "name[:arch] [(op version)] [arch restrictions] [<build profiles>]": the name ends at
  // the first blank or bracket; only a '(' right after it opens a version constraint.
  std::string_view text = trim(item);
  auto name_end = text.find_first_of(" \t\n([<");
  std::string_view name = text.substr(0, name_end);
  std::string_view rest = name_end == std::string_view::npos ? std::string_view() : trim(text.substr(name_end));
  Relation relation;
  auto paren = rest.empty() || rest.front() != '(' ? std::string_view::npos : std::size_t(0);
  if (name.empty()) throw Error(source + ": empty package name in '" + std::string(item) + "'");
  if (auto colon = name.find(':'); colon != std::string_view::npos) {
    relation.architecture = std::string(name.substr(colon + 1));
    name = name.substr(0, colon);
  }
  relation.name = std::string(name);
  if (paren != std::string_view::npos) {
    auto close = rest.find(')', paren);
    if (close == std::string_view::npos)
      throw Error(source + ": missing ')' in '" + std::string(item) + "'");
    std::string_view constraint = trim(rest.substr(paren + 1, close - paren - 1));
    std::size_t operator_end = 0;
    while (operator_end < constraint.size() &&
           (constraint[operator_end] == '<' || constraint[operator_end] == '>' ||
            constraint[operator_end] == '='))
      ++operator_end;
    try {
      relation.relation = parse_version_relation(constraint.substr(0, operator_end));
    } catch (const Error& error) {
      throw Error(source + ": in '" + std::string(item) + "': " + error.what());
    }
    relation.version = std::string(trim(constraint.substr(operator_end)));
    if (relation.version.empty())
      throw Error(source + ": no version after the operator in '" + std::string(item) + "'");
  }
  return relation;
}

}  // namespace

std::string Relation::str() const {
  std::string text = name;
  if (!architecture.empty()) text += ":" + architecture;
  if (relation != VersionRelation::Any)
    text += " (" + std::string(to_string(relation)) + " " + version + ")";
  return text;
}

std::vector<AlternativeGroup> parse_relations(std::string_view text, const std::string& source) {
  std::vector<AlternativeGroup> groups;
  while (true) {
    auto comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) {
      AlternativeGroup group;
      while (true) {
        auto bar = item.find('|');
        std::string_view alternative = trim(item.substr(0, bar));
        if (!alternative.empty()) group.push_back(parse_one(alternative, source));
        if (bar == std::string_view::npos) break;
        item.remove_prefix(bar + 1);
      }
      if (!group.empty()) groups.push_back(std::move(group));
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return groups;
}

}  // namespace nanoforge::rootfs
