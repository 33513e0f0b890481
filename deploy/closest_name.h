// "Did you mean ...?": the candidate a misspelled name most likely meant, for settings
// (agents.defaults.maxToken -> maxTokens) and providers (antropic -> anthropic).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace nanoforge::deploy {

// `key` lowercased without '_' and '-': how camelCase, snake_case and kebab-case spellings of
// one setting or provider compare ("apiKey", "api_key" -> "apikey").
std::string normalized_key(std::string_view key);

// The same letters once case, '_' and '-' are ignored ("lm-studio" and "LmStudio").
bool same_name_loosely(const std::string& a, const std::string& b);

// The candidate equal to `name` loosely, else the nearest within a third of the name's length
// in edits (Levenshtein, case-insensitive; at least 2). "" when none is that close; the first
// of equally near ones.
std::string closest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace nanoforge::deploy
