#include "builder/compose_yaml.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace nanoforge::builder {

namespace {

// Words YAML 1.1 (PyYAML, which Compose v1 and podman-compose use) reads as booleans or null.
bool is_yaml11_special(std::string_view text) {
  static constexpr std::array<std::string_view, 26> special{
      "y",    "Y",    "yes",  "Yes",   "YES",   "n",     "N",     "no",   "No",   "NO",   "on",
      "On",   "ON",   "off",  "Off",   "OFF",   "true",  "True",  "TRUE", "false", "False", "FALSE",
      "null", "Null", "NULL", "~"};
  return std::find(special.begin(), special.end(), text) != special.end();
}

// An integer or decimal number (as [-+]digits[.digits][e[-+]digits]).
bool looks_numeric(std::string_view text) {
  std::size_t i = 0;
  auto digit = [&](std::size_t at) { return std::isdigit(static_cast<unsigned char>(text[at])) != 0; };
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  bool digits = false;
  while (i < text.size() && (digit(i) || text[i] == '_')) ++i, digits = true;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && digit(i)) ++i, digits = true;
  }
  if (digits && i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    bool exponent = false;
    while (i < text.size() && digit(i)) ++i, exponent = true;
    if (!exponent) return false;
  }
  return digits && i == text.size();
}

// Letters, digits and _ . / @ -, starting with a letter, '_', '.' or '/': nothing any YAML
// reader could take for an indicator, a number or a flow delimiter.
bool is_safe_word(std::string_view text) {
  if (text.empty()) return false;
  char first = text.front();
  if (!(std::isalpha(static_cast<unsigned char>(first)) || first == '_' || first == '.' || first == '/')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '@' || c == '-';
  });
}

void append_escape(std::string& out, char32_t code_point) {
  static constexpr char hex[] = "0123456789abcdef";
  int digits = code_point < 0xff ? 2 : 4;
  out += code_point < 0xff ? "\\x" : "\\u";
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += hex[(code_point >> shift) & 0xf];
}

// The length of the UTF-8 sequence at `text[at]`, or 0 when it is not well-formed.
std::size_t utf8_length(std::string_view text, std::size_t at, char32_t& code_point) {
  unsigned char lead = static_cast<unsigned char>(text[at]);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
  if (length == 0 || at + length > text.size()) return 0;
  code_point = length == 1 ? lead : lead & (0x7f >> length);
  for (std::size_t i = 1; i < length; ++i) {
    unsigned char next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xc0) != 0x80) return 0;
    code_point = (code_point << 6) | (next & 0x3f);
  }
  return length;
}

// Double-quoted, escaping what a YAML reader would otherwise fold or reject; other UTF-8 as is.
void append_double_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    char32_t code_point = 0;
    std::size_t length = utf8_length(text, i, code_point);
    if (length == 0) {  // not UTF-8: the replacement character, as yaml-cpp writes it
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    switch (code_point) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (code_point < 0x20 || (code_point >= 0x80 && code_point <= 0xa0) || code_point == 0xfeff)
          append_escape(out, code_point);
        else
          out.append(text.substr(i, length));
    }
    i += length;
  }
  out += '"';
}

bool is_collection(const YAML::Node& node) { return node.IsMap() || node.IsSequence(); }

// Empty collections and those parsed or built in flow style stay on one line.
bool is_inline(const YAML::Node& node) {
  return !is_collection(node) || node.size() == 0 || node.Style() == YAML::EmitterStyle::Flow;
}

void append_flow(std::string& out, const YAML::Node& node) {
  if (node.IsSequence()) {
    out += '[';
    bool first = true;
    for (const auto& item : node) {
      if (!first) out += ", ";
      first = false;
      append_flow(out, item);
    }
    out += ']';
  } else if (node.IsMap()) {
    out += '{';
    bool first = true;
    for (const auto& entry : node) {
      if (!first) out += ", ";
      first = false;
      write_yaml_scalar(out, entry.first);
      out += ": ";
      append_flow(out, entry.second);
    }
    out += '}';
  } else {
    write_yaml_scalar(out, node);
  }
}

void write_item(std::string& out, int indent, const YAML::Node& item);

// After "KEY:" or "-": the value on the same line, or its block on the lines below.
void write_value(std::string& out, int indent, const YAML::Node& value) {
  if (is_inline(value)) {
    out += ' ';
    append_flow(out, value);
    out += '\n';
  } else if (value.IsMap()) {
    out += '\n';
    write_yaml_entries(out, indent + 2, value);
  } else {
    out += '\n';
    for (const auto& item : value) write_item(out, indent + 2, item);
  }
}

void write_entries(std::string& out, int indent, const YAML::Node& map, bool first_on_current_line) {
  for (const auto& entry : map) {
    if (!first_on_current_line) out.append(static_cast<std::size_t>(indent), ' ');
    first_on_current_line = false;
    write_yaml_scalar(out, entry.first);
    out += ':';
    write_value(out, indent, entry.second);
  }
}

// "- item"; a block map starts on the dash's line, a block sequence on the next.
void write_item(std::string& out, int indent, const YAML::Node& item) {
  out.append(static_cast<std::size_t>(indent), ' ');
  out += '-';
  if (!is_inline(item) && item.IsMap()) {
    out += ' ';
    write_entries(out, indent + 2, item, true);
  } else {
    write_value(out, indent, item);
  }
}

}  // namespace

YAML::Node compose_string(const std::string& text) {
  YAML::Node node(text);
  node.SetTag("!");
  return node;
}

void write_yaml_scalar(std::string& out, const YAML::Node& scalar) {
  if (!scalar.IsDefined() || scalar.IsNull()) {
    out += '~';
    return;
  }
  const std::string& text = scalar.Scalar();
  bool plain = false;
  if (scalar.Tag() != "!") {
    if (text == "true" || text == "false" || looks_numeric(text)) plain = true;  // meant as bool/number
    else plain = is_safe_word(text) && !is_yaml11_special(text);
  }
  if (plain) out += text;
  else append_double_quoted(out, text);
}

void write_yaml_key(std::string& out, int indent, std::string_view key) {
  out.append(static_cast<std::size_t>(indent), ' ');
  write_yaml_scalar(out, YAML::Node(std::string(key)));
  out += ':';
}

void write_yaml_entry(std::string& out, int indent, const YAML::Node& key, const YAML::Node& value) {
  out.append(static_cast<std::size_t>(indent), ' ');
  write_yaml_scalar(out, key);
  out += ':';
  write_value(out, indent, value);
}

void write_yaml_entry(std::string& out, int indent, std::string_view key, const YAML::Node& value) {
  write_yaml_entry(out, indent, YAML::Node(std::string(key)), value);
}

void write_yaml_entries(std::string& out, int indent, const YAML::Node& map) {
  write_entries(out, indent, map, false);
}

void write_yaml_comment(std::string& out, std::string_view text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out += "# ";
    out.append(text.substr(start, end - start));
    out += '\n';
    start = end + 1;
  }
}

}  // namespace nanoforge::builder
