#include "base/input_list.h"

#include <nlohmann/json.hpp>

namespace nanoforge {

InputList& InputList::add(std::string_view name, std::string_view value) {
  std::string key(name);
  std::size_t seen = ++count_[key];
  if (seen > 1) key += "#" + std::to_string(seen);
  items_.emplace_back(std::move(key), std::string(value));
  return *this;
}

Digest InputList::digest() const {
  Sha256 hash;
  auto field = [&](std::string_view text) {
    auto length = std::to_string(text.size());
    hash.update(length);
    hash.update(":", 1);
    hash.update(text);
  };
  for (const auto& [name, value] : items_) {
    field(name);
    field(value);
  }
  return hash.finish();
}

std::string InputList::first_difference(const InputList& before, const InputList& after) {
  std::unordered_map<std::string_view, std::string_view> old_values;
  for (const auto& [name, value] : before.items_) old_values.emplace(name, value);
  for (const auto& [name, value] : after.items_) {
    auto found = old_values.find(name);
    if (found == old_values.end()) return name + " added";
    if (found->second != value) return name + " changed";
  }
  std::unordered_map<std::string_view, bool> new_names;
  for (const auto& item : after.items_) new_names.emplace(item.first, true);
  for (const auto& item : before.items_)
    if (!new_names.count(item.first)) return item.first + " removed";
  return "";
}

std::string InputList::serialize() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, value] : items_) list.push_back({name, value});
  // Paths are bytes, not necessarily UTF-8: what JSON cannot carry is replaced. Only the
  // explanation reads this back (the key is the digest), where such a name then shows as added.
  return list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<InputList> InputList::parse(std::string_view text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) return std::nullopt;
  InputList list;
  for (const auto& item : parsed) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_string()) return std::nullopt;
    list.items_.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
    ++list.count_[item[0].get<std::string>()];
  }
  return list;
}

}  // namespace nanoforge
