#include "deploy/nanobot_schema.h"

#include <algorithm>
#include <regex>

#include "base/error.h"

namespace nanoforge::deploy::nanobot {

using nlohmann::json;

// deploy/nanobot_config_schema.json, as text (generated into the build tree by CMake).
extern const char* const kUpstreamSchemaText;

bool SchemaType::allows_null() const {
  if (kind == Kind::none || kind == Kind::any) return true;
  if (kind == Kind::union_of)
    return std::any_of(members.begin(), members.end(), [](const SchemaType& member) { return member.allows_null(); });
  return false;
}

std::string SchemaType::describe() const {
  switch (kind) {
    case Kind::string: return "str";
    case Kind::integer: return "int";
    case Kind::number: return "float";
    case Kind::boolean: return "bool";
    case Kind::any: return "any value";
    case Kind::none: return "null";
    case Kind::list: return "list of " + members.front().describe();
    case Kind::dict: return "object of " + members.front().describe();
    case Kind::model: return "object (" + model + ")";
    case Kind::literal: {
      std::string text;
      for (const auto& value : literals) text += (text.empty() ? "" : " | ") + value.dump();
      return text;
    }
    case Kind::union_of: {
      std::string text;
      for (const auto& member : members) text += (text.empty() ? "" : " or ") + member.describe();
      return text;
    }
  }
  return "?";
}

const SchemaField* SchemaModel::field_named(const std::string& key) const {
  for (const auto& field : fields)
    if (std::find(field.names.begin(), field.names.end(), key) != field.names.end()) return &field;
  return nullptr;
}

namespace {

SchemaType parse_type(const json& node, const std::string& where) {
  SchemaType type;
  using Kind = SchemaType::Kind;
  if (node.is_string()) {
    static const std::map<std::string, Kind> kinds = {{"str", Kind::string},  {"int", Kind::integer},
                                                      {"float", Kind::number}, {"bool", Kind::boolean},
                                                      {"any", Kind::any},      {"none", Kind::none}};
    auto found = kinds.find(node.get<std::string>());
    if (found == kinds.end()) throw Error(where + ": unknown type '" + node.get<std::string>() + "'");
    type.kind = found->second;
    return type;
  }
  if (!node.is_object() || node.size() != 1) throw Error(where + ": a type is a name or a one-key object");
  const auto& [form, value] = *node.items().begin();
  if (form == "list" || form == "dict") {
    type.kind = form == "list" ? Kind::list : Kind::dict;
    type.members.push_back(parse_type(value, where));
  } else if (form == "model") {
    type.kind = Kind::model;
    type.model = value.get<std::string>();
  } else if (form == "literal") {
    type.kind = Kind::literal;
    type.literals = value;
  } else if (form == "union") {
    type.kind = Kind::union_of;
    for (const auto& member : value) type.members.push_back(parse_type(member, where));
  } else {
    throw Error(where + ": unknown type form '" + form + "'");
  }
  return type;
}

template <typename T>
std::optional<T> optional_value(const json& node, const char* key) {
  if (!node.contains(key) || node.at(key).is_null()) return std::nullopt;
  return node.at(key).get<T>();
}

}  // namespace

NanobotSchema NanobotSchema::parse(const json& document) {
  NanobotSchema schema;
  try {
    schema.commit_ = document.at("upstream").at("commit").get<std::string>();
    schema.root_ = document.at("root").get<std::string>();
    for (const auto& [name, node] : document.at("models").items()) {
      SchemaModel model;
      model.name = name;
      const std::string extra = node.value("extra", "ignore");
      model.extra = extra == "forbid" ? ExtraPolicy::forbid : extra == "allow" ? ExtraPolicy::allow : ExtraPolicy::ignore;
      for (const auto& [key, field_node] : node.at("fields").items()) {
        const std::string where = "model " + name + ", field " + key;
        SchemaField field;
        field.key = key;
        field.names = field_node.at("names").get<std::vector<std::string>>();
        field.type = parse_type(field_node.at("type"), where);
        field.required = field_node.value("required", false);
        field.ge = optional_value<double>(field_node, "ge");
        field.le = optional_value<double>(field_node, "le");
        field.gt = optional_value<double>(field_node, "gt");
        field.lt = optional_value<double>(field_node, "lt");
        field.pattern = optional_value<std::string>(field_node, "pattern");
        field.min_length = optional_value<std::size_t>(field_node, "min_length");
        field.max_length = optional_value<std::size_t>(field_node, "max_length");
        model.fields.push_back(std::move(field));
      }
      schema.models_.emplace(name, std::move(model));
    }
    const json channels = document.value("channels", json::object());
    for (const auto& [key, model] : channels.items()) schema.channels_.emplace(key, model.get<std::string>());
    const json providers = document.value("providers", json::array());
    for (const auto& node : providers) {
      ProviderSpec spec;
      spec.name = node.at("name").get<std::string>();
      spec.config_key = optional_value<std::string>(node, "config_key").value_or(spec.name);
      spec.keywords = node.value("keywords", std::vector<std::string>{});
      spec.is_local = node.value("is_local", false);
      spec.is_oauth = node.value("is_oauth", false);
      spec.is_direct = node.value("is_direct", false);
      spec.is_gateway = node.value("is_gateway", false);
      spec.is_transcription_only = node.value("is_transcription_only", false);
      spec.backend = optional_value<std::string>(node, "backend").value_or("openai_compat");
      spec.default_api_base = optional_value<std::string>(node, "default_api_base").value_or("");
      spec.detect_by_base_keyword = optional_value<std::string>(node, "detect_by_base_keyword").value_or("");
      spec.display_name = optional_value<std::string>(node, "display_name").value_or("");
      schema.providers_.push_back(std::move(spec));
    }
  } catch (const json::exception& error) {
    throw Error(std::string("the Nanobot config schema is malformed: ") + error.what());
  }
  // Every model a type names must exist, so checking never meets an unknown one.
  std::vector<const SchemaType*> pending;
  for (const auto& [name, model] : schema.models_)
    for (const auto& field : model.fields) pending.push_back(&field.type);
  while (!pending.empty()) {
    const SchemaType* type = pending.back();
    pending.pop_back();
    if (type->kind == SchemaType::Kind::model) schema.model(type->model);
    for (const auto& member : type->members) pending.push_back(&member);
  }
  schema.model(schema.root_);
  for (const auto& [key, model] : schema.channels_) schema.model(model);
  return schema;
}

const NanobotSchema& NanobotSchema::upstream() {
  static const NanobotSchema schema = parse(json::parse(kUpstreamSchemaText));
  return schema;
}

const SchemaModel& NanobotSchema::model(const std::string& name) const {
  auto found = models_.find(name);
  if (found == models_.end()) throw Error("the Nanobot config schema has no model '" + name + "'");
  return found->second;
}

const SchemaModel* NanobotSchema::channel_model(const std::string& key) const {
  auto found = channels_.find(key);
  return found == channels_.end() ? nullptr : &model(found->second);
}

std::vector<std::string> NanobotSchema::channel_names() const {
  std::vector<std::string> names;
  for (const auto& [key, model_name] : channels_) names.push_back(key);
  return names;
}

const ProviderSpec* NanobotSchema::find_provider(const std::string& name) const {
  std::string dashes_read = name;
  std::replace(dashes_read.begin(), dashes_read.end(), '-', '_');
  const std::string normalized = to_snake(dashes_read);
  for (const auto& spec : providers_)
    if (spec.name == normalized) return &spec;
  return nullptr;
}

std::string to_snake(const std::string& name) {
  // The four substitutions of pydantic/alias_generators.py, in its order.
  static const std::regex capitals_then_word("([A-Z]+)([A-Z][a-z])");
  static const std::regex lower_then_upper("([a-z])([A-Z])");
  static const std::regex digit_then_upper("([0-9])([A-Z])");
  static const std::regex lower_then_digit("([a-z])([0-9])");
  std::string snake = std::regex_replace(name, capitals_then_word, "$1_$2");
  snake = std::regex_replace(snake, lower_then_upper, "$1_$2");
  snake = std::regex_replace(snake, digit_then_upper, "$1_$2");
  snake = std::regex_replace(snake, lower_then_digit, "$1_$2");
  std::replace(snake.begin(), snake.end(), '-', '_');
  std::transform(snake.begin(), snake.end(), snake.begin(), [](unsigned char c) { return std::tolower(c); });
  return snake;
}

}  // namespace nanoforge::deploy::nanobot
