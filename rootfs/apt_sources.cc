#include "rootfs/apt_sources.h"

#include <algorithm>
#include <sstream>

#include "base/atomic_file.h"
#include "base/error.h"
#include "rootfs/control.h"

namespace nanoforge::rootfs {

namespace {

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::string without_trailing_slash(std::string uri) {
  while (uri.size() > 1 && uri.back() == '/') uri.pop_back();
  return uri;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Splits a comma-separated option value ("amd64,arm64").
std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (c == ',') {
      if (!current.empty()) parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) parts.push_back(current);
  return parts;
}

}  // namespace

std::vector<AptSource> parse_deb822_sources(std::string_view text, const std::string& source) {
  std::vector<AptSource> sources;
  int stanza_number = 0;
  for (const auto& stanza : parse_control(text, source)) {
    ++stanza_number;
    if (lowercase(stanza.get_or("Enabled", "yes")) == "no") continue;
    AptSource entry;
    entry.origin = source + " (stanza " + std::to_string(stanza_number) + ")";
    entry.types = split_words(stanza.get_or("Types", ""));
    for (auto& uri : split_words(stanza.get_or("URIs", "")))
      entry.uris.push_back(without_trailing_slash(uri));
    entry.suites = split_words(stanza.get_or("Suites", ""));
    entry.components = split_words(stanza.get_or("Components", ""));
    entry.architectures = split_words(stanza.get_or("Architectures", ""));
    entry.signed_by = stanza.get_or("Signed-By", "");
    if (entry.types.empty() || entry.uris.empty() || entry.suites.empty())
      throw Error(entry.origin + ": a source needs Types, URIs and Suites");
    sources.push_back(std::move(entry));
  }
  return sources;
}

std::vector<AptSource> parse_one_line_sources(std::string_view text, const std::string& source) {
  std::vector<AptSource> sources;
  std::size_t line_number = 0;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    auto words = split_words(line);
    if (words.empty()) continue;
    AptSource entry;
    entry.origin = source + ":" + std::to_string(line_number);
    std::size_t next = 0;
    entry.types.push_back(words[next++]);
    if (entry.types[0] != "deb" && entry.types[0] != "deb-src")
      throw Error(entry.origin + ": expected 'deb' or 'deb-src', got '" + entry.types[0] + "'");
    // Options: "[arch=amd64 signed-by=/path]", possibly with blanks after '[' or before ']'.
    if (next < words.size() && words[next].front() == '[') {
      std::string options;
      while (next < words.size()) {
        options += " " + words[next];
        if (words[next++].back() == ']') break;
      }
      if (options.back() != ']') throw Error(entry.origin + ": '[' options without a closing ']'");
      options = options.substr(options.find('[') + 1);
      options.pop_back();
      for (const auto& option : split_words(options)) {
        auto equals = option.find('=');
        if (equals == std::string::npos) continue;
        std::string key = option.substr(0, equals);
        std::string value = option.substr(equals + 1);
        if (key == "arch") entry.architectures = split_commas(value);
        if (key == "signed-by") entry.signed_by = value;
      }
    }
    if (words.size() < next + 2)
      throw Error(entry.origin + ": expected 'deb URI SUITE [COMPONENT...]'");
    entry.uris.push_back(without_trailing_slash(words[next++]));
    entry.suites.push_back(words[next++]);
    entry.components.assign(words.begin() + static_cast<std::ptrdiff_t>(next), words.end());
    sources.push_back(std::move(entry));
  }
  return sources;
}

std::vector<AptSource> read_apt_sources(const std::filesystem::path& apt_directory) {
  namespace fs = std::filesystem;
  std::vector<AptSource> sources;
  auto append = [&](std::vector<AptSource> more) {
    for (auto& entry : more) sources.push_back(std::move(entry));
  };
  fs::path main_list = apt_directory / "sources.list";
  if (fs::is_regular_file(main_list))
    append(parse_one_line_sources(read_file(main_list), main_list.string()));
  fs::path parts = apt_directory / "sources.list.d";
  std::vector<fs::path> files;
  std::error_code error;
  if (fs::is_directory(parts, error))
    for (const auto& entry : fs::directory_iterator(parts)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    if (!fs::is_regular_file(file)) continue;
    if (file.extension() == ".list")
      append(parse_one_line_sources(read_file(file), file.string()));
    else if (file.extension() == ".sources")
      append(parse_deb822_sources(read_file(file), file.string()));
  }
  return sources;
}

std::string mirror_for_suite(const std::vector<AptSource>& sources, std::string_view suite) {
  for (const auto& entry : sources) {
    if (std::find(entry.types.begin(), entry.types.end(), "deb") == entry.types.end()) continue;
    if (std::find(entry.suites.begin(), entry.suites.end(), suite) == entry.suites.end()) continue;
    if (!entry.uris.empty()) return entry.uris.front();
  }
  return {};
}

}  // namespace nanoforge::rootfs
