// The machine's apt sources, read so nanoforge uses the mirror the user already configured
// (a local or national mirror) instead of a host written into the code. Both forms apt
// reads are understood: deb822 `*.sources` files and one-line `sources.list` entries.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace nanoforge::rootfs {

struct AptSource {
  std::vector<std::string> types;          // "deb", "deb-src"
  std::vector<std::string> uris;           // "http://MIRROR/debian" (no trailing '/')
  std::vector<std::string> suites;         // "bookworm", "bookworm-updates"
  std::vector<std::string> components;     // "main"
  std::vector<std::string> architectures;  // empty: any
  std::string signed_by;                   // keyring path or inline key; empty when unset
  std::string origin;                      // "file:line" it came from, for messages
};

// Parses a deb822 `.sources` file; stanzas with `Enabled: no` are dropped. `source` names
// the file in errors (a stanza without URIs or Suites).
std::vector<AptSource> parse_deb822_sources(std::string_view text, const std::string& source);

// Parses one-line `sources.list` text ("deb [opt=val ...] URI SUITE COMPONENT..."); comments
// and blank lines are skipped; a malformed line is an error naming `source` and the line.
std::vector<AptSource> parse_one_line_sources(std::string_view text, const std::string& source);

// Everything apt itself would read under `apt_directory`: sources.list, then
// sources.list.d/*.list and *.sources in name order (other names, such as "*.disabled",
// are ignored, as apt ignores them). Missing files are simply absent.
std::vector<AptSource> read_apt_sources(const std::filesystem::path& apt_directory = "/etc/apt");

// The first URI of a binary ("deb") source that lists `suite` exactly, or "" when none does.
std::string mirror_for_suite(const std::vector<AptSource>& sources, std::string_view suite);

}  // namespace nanoforge::rootfs
