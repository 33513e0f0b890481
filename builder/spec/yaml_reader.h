// Typed reads from a yaml-cpp tree that name the file, line, column and field on every
// error, and reject keys the spec does not know (a typo must not be silently ignored).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace nanoforge::builder {

class YamlReader {
 public:
  // Loads `file`; throws nanoforge::Error with the parser's line and column on bad YAML.
  static YAML::Node load_file(const std::string& file);

  YamlReader(std::string file, YAML::Node node, std::string field_path = "");

  // "FILE:LINE:COL: field 'a.b': " for errors about this node (or its key `key`).
  std::string where(const std::string& key = "") const;
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

  bool has(const std::string& key) const;
  // Throws when the node holds a key not in `known`.
  void only_keys(const std::vector<std::string>& known) const;

  YamlReader child(const std::string& key) const;  // must exist and be a map
  std::optional<YamlReader> optional_child(const std::string& key) const;

  std::string string(const std::string& key) const;  // required
  std::string string_or(const std::string& key, const std::string& fallback) const;
  std::int64_t integer_or(const std::string& key, std::int64_t fallback) const;
  double number_or(const std::string& key, double fallback) const;
  bool boolean_or(const std::string& key, bool fallback) const;
  std::vector<std::string> strings(const std::string& key) const;  // missing: empty
  std::map<std::string, std::string> string_map(const std::string& key) const;  // missing: empty
  // A sequence of maps: one reader per element.
  std::vector<YamlReader> list(const std::string& key) const;

  const YAML::Node& node() const { return node_; }
  const std::string& file() const { return file_; }

 private:
  YAML::Node value(const std::string& key) const;
  std::string file_;
  YAML::Node node_;
  std::string field_path_;
};

}  // namespace nanoforge::builder
