// Where each value of a JSON document was written, for messages that name a line: nlohmann-json
// 3.11 keeps no positions, so the same text is read again by yaml-cpp (JSON is YAML 1.2, whose
// flow collections are JSON's objects and arrays) and the node marks are kept.
#pragma once
#include <map>
#include <string>

namespace nanoforge::deploy {

struct TextPosition {
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

// JSON Pointer (RFC 6901, "/agents/defaults/maxTokens", "/agents/defaults/fallbackModels/0")
// -> the position of the member's key (of the element, for array elements); "" is the root.
// Text yaml-cpp cannot read (rare: JSON it reads differently) gives an empty map, never an
// error: positions only decorate messages.
std::map<std::string, TextPosition> json_positions(const std::string& json_text);

}  // namespace nanoforge::deploy
