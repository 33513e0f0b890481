#include "base/reference_grammar.h"

#include <regex>

namespace nanoforge {

bool is_valid_tag(const std::string& tag) {
  static const std::regex pattern("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  return std::regex_match(tag, pattern);
}

bool is_valid_path_component(const std::string& component) {
  static const std::regex pattern("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");
  return std::regex_match(component, pattern);
}

bool is_valid_registry_host(const std::string& host) {
  static const std::regex pattern(
      "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|"
      "\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?");
  return std::regex_match(host, pattern);
}

}  // namespace nanoforge
