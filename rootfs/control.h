// Debian control data (deb822): the stanzas of Packages files, InRelease, control files
// and the dpkg status file. Field order and spelling are kept so a stanza can be written
// back unchanged.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nanoforge::rootfs {

class ControlStanza {
 public:
  // Field value with continuation lines joined by '\n' (as in the file, minus the leading
  // space of each continuation line); names compare case-insensitively, per Debian policy.
  std::optional<std::string> get(std::string_view name) const;
  std::string get_or(std::string_view name, std::string fallback) const;
  void set(const std::string& name, const std::string& value);  // replaces or appends
  void remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  // The stanza as deb822 text, ending in '\n' (no blank line after it).
  std::string to_string() const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Parses deb822 text into stanzas. `source` (a file name or URL) and the line number are
// named in errors for malformed lines. A PGP-signed document should be unwrapped first.
std::vector<ControlStanza> parse_control(std::string_view text, const std::string& source);

}  // namespace nanoforge::rootfs
