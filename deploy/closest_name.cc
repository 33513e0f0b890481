#include "deploy/closest_name.h"

#include <algorithm>
#include <cctype>

namespace nanoforge::deploy {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string normalized_key(std::string_view key) {
  std::string out;
  for (char c : key)
    if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool same_name_loosely(const std::string& a, const std::string& b) { return normalized_key(a) == normalized_key(b); }

std::string closest_name(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    std::size_t distance = same_name_loosely(candidate, name) ? 0 : edit_distance(candidate, name);
    if (distance < best_distance) best_distance = distance, best = candidate;
  }
  return best;
}

}  // namespace nanoforge::deploy
