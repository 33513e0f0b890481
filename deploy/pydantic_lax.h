// pydantic v2's lax mode, as upstream Nanobot's config validation applies it to what Python's
// json module read (python mode, pydantic-core 2.x): which texts and numbers an int, float or
// bool field accepts. Measured against pydantic 2.13 (tests/data/nanobot-configs/).
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace nanoforge::deploy::nanobot {

// A text an int field reads: surrounding whitespace, a sign, '_' between digits, and a
// fraction of zeros ("8192", " 12 ", "1_000", "1.0"); not "1.5", "1e3" or "0x10".
bool lax_integer_text(const std::string& text);
// A text a float field reads: Python's float() forms with '_' between digits, inf, nan.
bool lax_number_text(const std::string& text);
// A text a bool field reads: 0 off f false n no 1 on t true y yes, any case, unpadded.
bool lax_boolean_text(const std::string& text);
// True when a text value reads as a true bool ("yes", "On", "1"...); `value` must be a string.
bool lax_true(const nlohmann::json& value);
// The number an int or float field reads from `value` (a number, a bool, a numeric text), or
// nothing.
std::optional<double> lax_number(const nlohmann::json& value);

}  // namespace nanoforge::deploy::nanobot
