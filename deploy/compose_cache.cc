#include "deploy/compose_cache.h"

#include <charconv>
#include <optional>
#include <string_view>

#include "base/atomic_file.h"
#include "base/error.h"

namespace nanoforge::deploy {

namespace {

constexpr std::string_view kHeader = "nanoforge compose cache 1\n";

// Reads the records of the file in order; any surprise ends the reading.
class RecordReader {
 public:
  explicit RecordReader(std::string_view content) : rest_(content) {}

  bool literal(std::string_view expected) {
    if (rest_.substr(0, expected.size()) != expected) return false;
    rest_.remove_prefix(expected.size());
    return true;
  }
  std::optional<std::string_view> word(char terminator) {
    auto end = rest_.find(terminator);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view found = rest_.substr(0, end);
    rest_.remove_prefix(end + 1);
    return found;
  }
  std::optional<std::size_t> number(char terminator) {
    auto text = word(terminator);
    std::size_t value = 0;
    if (!text || text->empty()) return std::nullopt;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size()) return std::nullopt;
    return value;
  }
  std::optional<std::string_view> bytes(std::size_t count) {
    if (rest_.size() < count) return std::nullopt;
    std::string_view found = rest_.substr(0, count);
    rest_.remove_prefix(count);
    return found;
  }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace

RenderedServices::RenderedServices(std::filesystem::path file, std::string shared_inputs)
    : file_(std::move(file)), shared_inputs_(std::move(shared_inputs)) {
  std::string content;
  try {
    content = read_file(file_);
  } catch (const Error&) {
    return;
  }
  read(content);
}

void RenderedServices::read(const std::string& content) {
  RecordReader reader(content);
  if (!reader.literal(kHeader) || !reader.literal("shared ")) return;
  auto shared_length = reader.number('\n');
  if (!shared_length) return;
  auto shared = reader.bytes(*shared_length);
  if (!shared || *shared != shared_inputs_ || !reader.literal("\n")) return;
  std::map<std::string, Entry> entries;
  while (!reader.done()) {
    if (!reader.literal("service ")) return;
    auto name = reader.word(' ');
    auto inputs_length = reader.number(' ');
    auto text_length = reader.number('\n');
    if (!name || !inputs_length || !text_length) return;
    auto inputs = reader.bytes(*inputs_length);
    auto text = reader.bytes(*text_length);
    if (!inputs || !text || !reader.literal("\n")) return;
    entries[std::string(*name)] = Entry{std::string(*inputs), std::string(*text)};
  }
  previous_ = std::move(entries);
}

const std::string* RenderedServices::find(const std::string& name, const std::string& inputs) const {
  auto found = previous_.find(name);
  if (found == previous_.end() || found->second.inputs != inputs) return nullptr;
  return &found->second.text;
}

void RenderedServices::keep(const std::string& name, std::string inputs, std::string text) {
  kept_[name] = Entry{std::move(inputs), std::move(text)};
}

void RenderedServices::save() const {
  if (kept_ == previous_) return;
  std::string content(kHeader);
  content += "shared " + std::to_string(shared_inputs_.size()) + "\n" + shared_inputs_ + "\n";
  for (const auto& [name, entry] : kept_) {
    content += "service " + name + " " + std::to_string(entry.inputs.size()) + " " +
               std::to_string(entry.text.size()) + "\n";
    content += entry.inputs;
    content += entry.text;
    content += "\n";
  }
  try {
    write_file_atomically(file_, content);
  } catch (const Error&) {
    // Only an optimisation (see the header); the compose file itself was written or reported.
  }
}

}  // namespace nanoforge::deploy
