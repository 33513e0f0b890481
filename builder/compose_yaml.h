// YAML text for docker-compose.yml, written straight from yaml-cpp nodes in block style.
//
// Every scalar is written plain only when Compose's YAML 1.1 readers (PyYAML in Compose v1 and
// podman-compose, go-yaml in v2) read it back as the same kind of value; otherwise it is
// double-quoted. A scalar tagged "!" (see compose_string) is always a string. The layout is
// yaml-cpp's own (two-space indent, block sequences under their key, flow style kept where the
// node asks for it), but this writer decides quoting once instead of running yaml-cpp's emitter
// regular expressions over every scalar, which made re-emitting the compose file after each
// create cost a third of a millisecond per instance.
#pragma once
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace nanoforge::builder {

// A string that must stay a string for Compose's YAML 1.1 reader ("1.0", "3", "1000:1000").
YAML::Node compose_string(const std::string& text);

// Appends `scalar` (a scalar, null or undefined node) as plain or double-quoted text.
void write_yaml_scalar(std::string& out, const YAML::Node& scalar);
// Appends "KEY:" at `indent` columns, no line end: the caller writes what follows.
void write_yaml_key(std::string& out, int indent, std::string_view key);
// Appends "KEY:" at `indent` columns and then `value` (nested blocks indented two more).
void write_yaml_entry(std::string& out, int indent, const YAML::Node& key, const YAML::Node& value);
void write_yaml_entry(std::string& out, int indent, std::string_view key, const YAML::Node& value);
// Appends each entry of the map `map` at `indent` columns.
void write_yaml_entries(std::string& out, int indent, const YAML::Node& map);
// Appends "# line" for each line of `text`.
void write_yaml_comment(std::string& out, std::string_view text);

}  // namespace nanoforge::builder
