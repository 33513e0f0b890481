// The named inputs of a cached piece of work (a build step, the venv): option values, file
// paths with their fingerprints. Their digest is the work's key; kept beside the result, they
// let the next run say which input changed when the key no longer matches ("src/pkg/x.py
// changed") instead of only that something did.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/digest.h"

namespace nanoforge {

class InputList {
 public:
  // Appends an input. A name given again is numbered ("package", "package#2") so that every
  // input keeps a name of its own.
  InputList& add(std::string_view name, std::string_view value);

  // SHA-256 over every name and value in order, each length-prefixed, so no two different
  // lists hash the same bytes.
  Digest digest() const;

  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

  // The first input, in the order of `after`, that is new or has another value than in
  // `before`, else the first one `after` lacks: "NAME changed", "NAME added", "NAME removed";
  // "" when the lists hold the same inputs.
  static std::string first_difference(const InputList& before, const InputList& after);

  // A text form (JSON) and back; parse() returns nullopt for anything else.
  std::string serialize() const;
  static std::optional<InputList> parse(std::string_view text);

 private:
  std::vector<std::pair<std::string, std::string>> items_;
  std::unordered_map<std::string, std::size_t> count_;  // how often each name was given
};

}  // namespace nanoforge
