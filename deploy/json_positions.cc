#include "deploy/json_positions.h"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace nanoforge::deploy {

namespace {

TextPosition position_of(const YAML::Mark& mark) { return {mark.line + 1, mark.column + 1}; }

void walk(const YAML::Node& node, const nlohmann::json::json_pointer& pointer,
          std::map<std::string, TextPosition>& positions) {
  if (node.IsMap()) {
    for (const auto& item : node) {
      if (!item.first.IsScalar()) continue;
      auto child = pointer / item.first.Scalar();
      positions.emplace(child.to_string(), position_of(item.first.Mark()));
      walk(item.second, child, positions);
    }
  } else if (node.IsSequence()) {
    for (std::size_t index = 0; index < node.size(); ++index) {
      auto child = pointer / index;
      positions.emplace(child.to_string(), position_of(node[index].Mark()));
      walk(node[index], child, positions);
    }
  }
}

}  // namespace

std::map<std::string, TextPosition> json_positions(const std::string& json_text) {
  std::map<std::string, TextPosition> positions;
  try {
    YAML::Node root = YAML::Load(json_text);
    positions.emplace("", position_of(root.Mark()));
    walk(root, nlohmann::json::json_pointer(), positions);
  } catch (const YAML::Exception&) {
    positions.clear();
  }
  return positions;
}

}  // namespace nanoforge::deploy
