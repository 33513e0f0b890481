#include "deploy/yaml_safe_scalar.h"

#include <regex.h>

#include <algorithm>
#include <iterator>
#include <vector>

namespace nanoforge::deploy {

namespace {

// Tags yaml-cpp gives parsed scalars: "?" plain, "!" quoted; "" for nodes built in code.
constexpr const char* kPlainTag = "?";
constexpr const char* kQuotedTag = "!";
constexpr const char* kStringTag = "tag:yaml.org,2002:str";

// Every implicit type below starts with one of these (or is empty); anything else is a string
// for every reader without running a regular expression (most of what compose writes).
bool may_start_a_typed_scalar(char first) {
  static constexpr std::string_view kFirst = "yYnNtTfFoO~<=+-.0123456789";
  return kFirst.find(first) != std::string_view::npos;
}

// A POSIX extended regular expression matched against a whole text. glibc's regcomp, not
// std::regex: compiling these patterns with libstdc++ cost 25 M instructions, a fifth of a
// 60-instance emit; regcomp takes about 1 M. Compiled on first use: most commands never emit
// YAML.
class WholeTextPattern {
 public:
  explicit WholeTextPattern(const std::string& pattern) {
    compiled_ = regcomp(&regex_, ("^(" + pattern + ")$").c_str(), REG_EXTENDED | REG_NOSUB) == 0;
  }
  ~WholeTextPattern() {
    if (compiled_) regfree(&regex_);
  }
  WholeTextPattern(const WholeTextPattern&) = delete;
  WholeTextPattern& operator=(const WholeTextPattern&) = delete;

  // A pattern that failed to compile (a bug, caught by the tests) matches everything: quoting
  // a string that needed none is harmless. REG_STARTEND: the text's own length, NULs and all.
  bool matches(std::string_view text) const {
    if (!compiled_) return true;
    regmatch_t range{0, static_cast<regoff_t>(text.size())};
    return regexec(&regex_, text.data(), 1, &range, REG_STARTEND) == 0;
  }

 private:
  regex_t regex_{};
  bool compiled_ = false;
};

std::string any_of(const std::vector<std::string>& patterns) {
  std::string joined;
  for (const auto& pattern : patterns) joined += (joined.empty() ? "(" : "|(") + pattern + ")";
  return joined;
}

// Every implicit type of the readers, as in the specs (POSIX ERE, so a tab is a literal tab).
const WholeTextPattern& typed_forms() {
  static const WholeTextPattern forms(any_of({
      // YAML 1.1 bool (yaml.org/type/bool.html); YAML 1.2 core's true/false are among them.
      "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
      // YAML 1.1 and 1.2 core null (yaml.org/type/null.html); the empty text is checked apart.
      "~|null|Null|NULL",
      // YAML 1.1 int (yaml.org/type/int.html): base 2, 8, 10, 16, 60.
      "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+",
      // YAML 1.1 float (yaml.org/type/float.html): base 10 (the page's [0-9.] after the point
      // and PyYAML's [0-9_] both), base 60, infinity, not-a-number.
      "[-+]?([0-9][0-9_]*)?\\.[0-9._]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*"
      "|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)",
      // YAML 1.1 timestamp (yaml.org/type/timestamp.html), with a one-digit month, day, hour,
      // minute or second as Go's yaml.v3 reads them, and spaces before any time zone (PyYAML).
      "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
      "(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?",
      // YAML 1.1 merge key (yaml.org/type/merge.html) and value key (yaml.org/type/value.html).
      "<<",
      "=",
      // YAML 1.2 core schema (section 10.3.2): int base 10, 8, 16; float, infinity, not-a-number.
      "[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+",
      "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)",
      // ruamel.yaml, the Python YAML 1.2 reader, beyond the core schema: '_' in any int or
      // float ("-_" is an int there), 0o optional for octal, a signed .5.
      "[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+",
      "[-+]?[0-9][0-9_]*\\.[0-9_]*([eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
      "|[-+]?\\.[0-9_]+([eE][-+][0-9]+)?",
  }));
  return forms;
}

// Go's yaml.v3 (Compose v2) types a plain scalar starting with a digit or sign after deleting
// every '_': strconv.ParseInt(_, 0, 64) (0b 0o 0x in either case, leading-zero octal), then its
// float pattern. "0_x1f" is 31 there.
bool go_yaml_reads_as_number(std::string_view text) {
  if (text.empty() || !(text[0] == '-' || text[0] == '+' || (text[0] >= '0' && text[0] <= '9'))) return false;
  static const WholeTextPattern number(
      "[-+]?(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  std::string without_underscores;
  std::copy_if(text.begin(), text.end(), std::back_inserter(without_underscores), [](char c) { return c != '_'; });
  return number.matches(without_underscores);
}

// A control character, DEL or any non-ASCII character. yaml-cpp writes some of them raw even
// inside double quotes (DEL, CR, NEL, the Unicode line and paragraph separators), where
// PyYAML refuses DEL and YAML readers take the others as line breaks and fold them; a leading
// byte-order mark is dropped. Such a scalar is written double-quoted with every one of them
// escaped ("\x7f", "\u2028", "\u4e2d"): exact for every reader, if less readable.
bool has_unprintable_or_non_ascii(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte >= 0x7f;
  });
}

void write_double_quoted(YAML::Emitter& out, const std::string& text) {
  if (has_unprintable_or_non_ascii(text)) out << YAML::EscapeNonAscii;
  out << YAML::DoubleQuoted << text;
}

bool is_string_tag(const std::string& tag) { return tag.empty() || tag == kQuotedTag || tag == kStringTag; }

void emit_scalar(YAML::Emitter& out, const YAML::Node& node, bool is_key) {
  const std::string& text = node.Scalar();
  const std::string& tag = node.Tag();
  if (tag == kQuotedTag) {
    write_double_quoted(out, text);
  } else if (is_key) {
    emit_key(out, text);
  } else if (is_string_tag(tag)) {
    emit_string(out, text);
  } else {
    out << text;  // a value as written, typed by the reader
  }
}

}  // namespace

bool plain_scalar_may_not_be_string(std::string_view text) {
  if (text.empty()) return true;  // null
  if (!may_start_a_typed_scalar(text.front())) return false;
  return typed_forms().matches(text) || go_yaml_reads_as_number(text);
}

void emit_string(YAML::Emitter& out, const std::string& text) {
  if (plain_scalar_may_not_be_string(text) || has_unprintable_or_non_ascii(text)) write_double_quoted(out, text);
  else out << text;
}

void emit_key(YAML::Emitter& out, const std::string& key) {
  if (key == "<<") out << key;
  else emit_string(out, key);
}

YAML::Node quoted_string(const std::string& text) {
  YAML::Node node(text);
  node.SetTag(kQuotedTag);
  return node;
}

YAML::Node plain_value(const std::string& text) {
  YAML::Node node(text);
  node.SetTag(kPlainTag);
  return node;
}

void emit_node(YAML::Emitter& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out << YAML::Null;
      break;
    case YAML::NodeType::Scalar:
      emit_scalar(out, node, false);
      break;
    case YAML::NodeType::Sequence:
      if (node.Style() == YAML::EmitterStyle::Flow) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : node) emit_node(out, item);
      out << YAML::EndSeq;
      break;
    case YAML::NodeType::Map:
      if (node.Style() == YAML::EmitterStyle::Flow) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& entry : node) {
        out << YAML::Key;
        if (entry.first.IsScalar()) emit_scalar(out, entry.first, true);
        else emit_node(out, entry.first);
        out << YAML::Value;
        emit_node(out, entry.second);
      }
      out << YAML::EndMap;
      break;
  }
}

bool same_scalar(const YAML::Node& a, const YAML::Node& b) {
  auto read_as_string = [](const YAML::Node& node) {
    return is_string_tag(node.Tag()) || !plain_scalar_may_not_be_string(node.Scalar());
  };
  return a.Scalar() == b.Scalar() && read_as_string(a) == read_as_string(b);
}

}  // namespace nanoforge::deploy
