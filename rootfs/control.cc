#include "rootfs/control.h"

#include <strings.h>

#include "base/error.h"

namespace nanoforge::rootfs {

namespace {
bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}
std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}
}  // namespace

std::optional<std::string> ControlStanza::get(std::string_view name) const {
  for (const auto& [key, value] : fields_)
    if (same_name(key, name)) return value;
  return std::nullopt;
}

std::string ControlStanza::get_or(std::string_view name, std::string fallback) const {
  auto value = get(name);
  return value ? *value : std::move(fallback);
}

void ControlStanza::set(const std::string& name, const std::string& value) {
  for (auto& [key, existing] : fields_)
    if (same_name(key, name)) {
      existing = value;
      return;
    }
  fields_.emplace_back(name, value);
}

void ControlStanza::remove(std::string_view name) {
  std::erase_if(fields_, [&](const auto& field) { return same_name(field.first, name); });
}

std::string ControlStanza::to_string() const {
  std::string out;
  for (const auto& [key, value] : fields_) {
    out += key;
    out += ':';
    // Multi-line values: first line after the colon (may be empty), continuations indented.
    std::string_view rest = value;
    auto newline = rest.find('\n');
    std::string_view first = rest.substr(0, newline);
    if (!first.empty()) {
      out += ' ';
      out += first;
    }
    out += '\n';
    while (newline != std::string_view::npos) {
      rest.remove_prefix(newline + 1);
      newline = rest.find('\n');
      std::string_view line = rest.substr(0, newline);
      out += ' ';
      out += line.empty() ? std::string_view(".") : line;
      out += '\n';
    }
  }
  return out;
}

std::vector<ControlStanza> parse_control(std::string_view text, const std::string& source) {
  std::vector<ControlStanza> stanzas;
  ControlStanza current;
  std::string name, value;
  bool have_field = false;
  auto flush_field = [&] {
    if (have_field) current.set(name, value);
    have_field = false;
  };
  auto flush_stanza = [&] {
    flush_field();
    if (!current.empty()) stanzas.push_back(std::move(current));
    current = ControlStanza();
  };
  std::size_t line_number = 0;
  while (!text.empty()) {
    auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      flush_stanza();
      continue;
    }
    if (line.front() == '#') continue;
    if (line.front() == ' ' || line.front() == '\t') {
      if (!have_field)
        throw Error(source + ":" + std::to_string(line_number) +
                    ": continuation line with no field before it");
      auto continuation = line.substr(1);
      // " ." stands for an empty line inside a multi-line value.
      value += '\n';
      value += trim(continuation) == "." ? std::string_view() : continuation;
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      throw Error(source + ":" + std::to_string(line_number) + ": expected 'Field: value', got '" +
                  std::string(line.substr(0, 80)) + "'");
    flush_field();
    name = std::string(line.substr(0, colon));
    value = std::string(trim(line.substr(colon + 1)));
    have_field = true;
  }
  flush_stanza();
  return stanzas;
}

}  // namespace nanoforge::rootfs
