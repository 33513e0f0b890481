#include "builder/spec/yaml_reader.h"

#include <algorithm>

#include "base/error.h"
#include "base/joined.h"

namespace nanoforge::builder {

namespace {

// yaml-cpp reads a plain scalar as the text written (`1.10`, `yes`, `0x1F` stay those texts),
// except an empty one, `~` and `null`: a null node, whose as<std::string>() is "null" whatever
// was written. A field that takes text says so instead of reading that.
const char* const kNullValue =
    "YAML reads an empty value, ~ and null as no value; write \"null\" in quotes to mean the text";

}  // namespace

YAML::Node YamlReader::load_file(const std::string& file) {
  try {
    return YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw Error("cannot read spec file " + file);
  } catch (const YAML::ParserException& error) {
    throw Error(file + ":" + std::to_string(error.mark.line + 1) + ":" +
                std::to_string(error.mark.column + 1) + ": invalid YAML: " + error.msg);
  }
}

YamlReader::YamlReader(std::string file, YAML::Node node, std::string field_path)
    : file_(std::move(file)), node_(std::move(node)), field_path_(std::move(field_path)) {
  if (node_ && !node_.IsNull() && !node_.IsMap())
    throw Error(where() + "expected a mapping of keys to values");
}

std::string YamlReader::where(const std::string& key) const {
  YAML::Mark mark = node_.Mark();
  std::string field = field_path_;
  if (!key.empty()) {
    field = field.empty() ? key : field + "." + key;
    if (node_.IsMap())
      for (const auto& item : node_)
        if (item.first.IsScalar() && item.first.Scalar() == key) mark = item.first.Mark();
  }
  std::string position = file_;
  if (mark.line >= 0) position += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  return position + ": " + (field.empty() ? std::string() : "field '" + field + "': ");
}

void YamlReader::fail(const std::string& key, const std::string& message) const {
  throw Error(where(key) + message);
}

bool YamlReader::has(const std::string& key) const {
  return node_.IsMap() && node_[key] && !node_[key].IsNull();
}

void YamlReader::only_keys(const std::vector<std::string>& known) const {
  if (!node_.IsMap()) return;
  for (const auto& item : node_) {
    auto key = item.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      fail(key, "unknown key (expected one of: " + joined(known) + ")");
    }
  }
}

YAML::Node YamlReader::value(const std::string& key) const {
  return node_.IsMap() ? node_[key] : YAML::Node();
}

YamlReader YamlReader::child(const std::string& key) const {
  if (!has(key)) fail(key, "is required");
  if (!value(key).IsMap()) fail(key, "expected a mapping");
  return YamlReader(file_, value(key), field_path_.empty() ? key : field_path_ + "." + key);
}

std::optional<YamlReader> YamlReader::optional_child(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return child(key);
}

std::string YamlReader::string(const std::string& key) const {
  if (node_.IsMap() && node_[key] && node_[key].IsNull())
    fail(key, std::string("is required and has no value (") + kNullValue + ")");
  if (!has(key)) fail(key, "is required");
  return string_or(key, "");
}

std::string YamlReader::string_or(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  auto node = value(key);
  if (!node.IsScalar()) fail(key, "expected a string");
  return node.Scalar();
}

std::int64_t YamlReader::integer_or(const std::string& key, std::int64_t fallback) const {
  if (!has(key)) return fallback;
  auto node = value(key);
  try {
    if (!node.IsScalar()) throw YAML::Exception(node.Mark(), "not a scalar");
    return node.as<std::int64_t>();
  } catch (const YAML::Exception&) {
    fail(key, "expected an integer");
  }
}

double YamlReader::number_or(const std::string& key, double fallback) const {
  if (!has(key)) return fallback;
  auto node = value(key);
  try {
    if (!node.IsScalar()) throw YAML::Exception(node.Mark(), "not a scalar");
    return node.as<double>();
  } catch (const YAML::Exception&) {
    fail(key, "expected a number");
  }
}

bool YamlReader::boolean_or(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  auto node = value(key);
  try {
    if (!node.IsScalar()) throw YAML::Exception(node.Mark(), "not a scalar");
    return node.as<bool>();
  } catch (const YAML::Exception&) {
    fail(key, "expected true or false");
  }
}

std::vector<std::string> YamlReader::strings(const std::string& key) const {
  std::vector<std::string> result;
  if (!has(key)) return result;
  auto node = value(key);
  if (!node.IsSequence()) fail(key, "expected a list of strings");
  for (const auto& item : node) {
    if (item.IsNull()) fail(key, std::string("an item has no value (") + kNullValue + ")");
    if (!item.IsScalar()) fail(key, "expected a list of strings");
    result.push_back(item.Scalar());
  }
  return result;
}

std::map<std::string, std::string> YamlReader::string_map(const std::string& key) const {
  std::map<std::string, std::string> result;
  if (!has(key)) return result;
  auto node = value(key);
  if (!node.IsMap()) fail(key, "expected a mapping of strings");
  for (const auto& item : node) {
    if (item.first.IsNull()) fail(key, std::string("a key has no value (") + kNullValue + ")");
    if (!item.first.IsScalar()) fail(key, "expected string keys");
    const std::string& name = item.first.Scalar();
    if (item.second.IsNull()) fail(key, "value of '" + name + "' has no value (" + kNullValue + ")");
    if (!item.second.IsScalar()) fail(key, "value of '" + name + "' must be a string");
    result[name] = item.second.Scalar();
  }
  return result;
}

std::vector<YamlReader> YamlReader::list(const std::string& key) const {
  std::vector<YamlReader> result;
  if (!has(key)) return result;
  auto node = value(key);
  if (!node.IsSequence()) fail(key, "expected a list");
  std::size_t index = 0;
  for (const auto& item : node) {
    auto path = (field_path_.empty() ? key : field_path_ + "." + key) + "[" + std::to_string(index++) + "]";
    if (!item.IsMap()) YamlReader(file_, item, path).fail("", "expected a mapping");
    result.emplace_back(file_, item, path);
  }
  return result;
}

}  // namespace nanoforge::builder
