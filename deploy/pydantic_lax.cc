#include "deploy/pydantic_lax.h"

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>

namespace nanoforge::deploy::nanobot {

using nlohmann::json;

bool lax_integer_text(const std::string& text) {
  static const std::regex integer(R"(^\s*[+-]?[0-9](_?[0-9])*(\.0*)?\s*$)");
  return std::regex_match(text, integer);
}

bool lax_number_text(const std::string& text) {
  static const std::regex number(
      R"(^\s*[+-]?(([0-9](_?[0-9])*(\.([0-9](_?[0-9])*)?)?|\.[0-9](_?[0-9])*)([eE][+-]?[0-9](_?[0-9])*)?|inf|infinity|nan)\s*$)",
      std::regex::icase);
  return std::regex_match(text, number);
}

bool lax_true(const json& value) {
  std::string lower = value.get<std::string>();
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "1" || lower == "on" || lower == "t" || lower == "true" || lower == "y" || lower == "yes";
}

bool lax_boolean_text(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::set<std::string> words = {"0", "off", "f", "false", "n", "no", "1", "on", "t", "true", "y", "yes"};
  return words.count(lower) > 0;
}

std::optional<double> lax_number(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_boolean()) return value.get<bool>() ? 1.0 : 0.0;
  if (value.is_string() && lax_number_text(value.get<std::string>())) {
    std::string text = value.get<std::string>();
    text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
    return std::strtod(text.c_str(), nullptr);
  }
  return std::nullopt;
}

}  // namespace nanoforge::deploy::nanobot
