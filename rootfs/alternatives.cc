#include "rootfs/alternatives.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "base/error.h"

namespace nanoforge::rootfs {

namespace {

struct Word {
  std::string text;
  bool literal = true;
};

bool ends_command(char c) { return c == '\n' || c == ';' || c == '&' || c == '|' || c == ')'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The words of the command that starts at `at`, up to its end; `at` is left after it.
std::vector<Word> command_words(const std::string& script, std::size_t& at) {
  std::vector<Word> words;
  while (at < script.size()) {
    char c = script[at];
    if (c == '\\' && at + 1 < script.size() && script[at + 1] == '\n') {  // a continued line
      at += 2;
      continue;
    }
    if (is_blank(c)) {
      ++at;
      continue;
    }
    if (ends_command(c) || c == '#') break;
    Word word;
    while (at < script.size()) {
      c = script[at];
      if (is_blank(c) || ends_command(c)) break;
      if (c == '\\') {
        if (at + 1 < script.size() && script[at + 1] == '\n') break;
        if (at + 1 < script.size()) word.text += script[at + 1];
        at += 2;
      } else if (c == '\'') {
        auto close = script.find('\'', at + 1);
        if (close == std::string::npos) close = script.size();
        word.text += script.substr(at + 1, close - at - 1);
        at = close + 1;
      } else if (c == '"') {
        auto close = script.find('"', at + 1);
        if (close == std::string::npos) close = script.size();
        std::string inside = script.substr(at + 1, close - at - 1);
        if (inside.find_first_of("$`\\") != std::string::npos) word.literal = false;
        word.text += inside;
        at = close + 1;
      } else {
        if (c == '$' || c == '`' || c == '*' || c == '?' || c == '[') word.literal = false;
        word.text += c;
        ++at;
      }
    }
    words.push_back(std::move(word));
  }
  return words;
}

bool starts_command(const std::string& script, std::size_t at) {
  // Only blanks, or the keyword or operator that starts a command, before the word on its line.
  std::size_t line_start = script.rfind('\n', at == 0 ? 0 : at - 1);
  line_start = line_start == std::string::npos ? 0 : line_start + 1;
  std::string before = script.substr(line_start, at - line_start);
  while (!before.empty() && is_blank(before.back())) before.pop_back();
  if (before.empty()) return true;
  for (const char* keyword : {"then", "else", "do", "&&", "||", ";", "(", "{"})
    if (before.ends_with(keyword)) return true;
  return false;
}

std::string image_path(const std::string& absolute) {
  std::string path = absolute;
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  return merged_usr_path(path);
}

bool tree_has(const StagingTree& tree, const std::string& absolute) { return tree.exists(image_path(absolute)); }

}  // namespace

AlternativeCalls find_alternative_installs(const std::string& package, const std::string& script) {
  AlternativeCalls calls;
  static const std::string kCommand = "update-alternatives";
  for (std::size_t found = script.find(kCommand); found != std::string::npos; found = script.find(kCommand, found + 1)) {
    std::size_t word_start = found;
    // "/usr/bin/update-alternatives" names it too.
    while (word_start > 0 && script[word_start - 1] != '\n' && !is_blank(script[word_start - 1]) &&
           script[word_start - 1] != ';' && script[word_start - 1] != '(')
      --word_start;
    std::string spelled = script.substr(word_start, found + kCommand.size() - word_start);
    if (spelled != kCommand && spelled != "/usr/bin/" + kCommand && spelled != "/usr/sbin/" + kCommand) continue;
    if (found + kCommand.size() < script.size() && !is_blank(script[found + kCommand.size()]) &&
        script[found + kCommand.size()] != '\\')
      continue;  // a longer word (update-alternatives.log, a function name)
    if (!starts_command(script, word_start)) continue;
    const std::size_t line = static_cast<std::size_t>(std::count(script.begin(), script.begin() + found, '\n')) + 1;
    const std::string where = package + " postinst:" + std::to_string(line) + ": ";
    std::size_t at = found + kCommand.size();
    std::vector<Word> words = command_words(script, at);

    std::size_t i = 0;
    // Options before the subcommand; those with an argument take the next word.
    while (i < words.size() && words[i].text != "--install" && words[i].text.starts_with("--")) {
      const std::string& option = words[i].text;
      bool takes_argument = option == "--altdir" || option == "--admindir" || option == "--instdir" ||
                            option == "--root" || option == "--log";
      bool subcommand = !takes_argument && option != "--quiet" && option != "--verbose" && option != "--force" &&
                        option != "--debug" && option != "--skip-auto";
      if (subcommand) break;
      i += takes_argument ? 2 : 1;
    }
    if (i >= words.size() || words[i].text != "--install") continue;  // --remove, --set...: nothing to add
    auto literal = [&](std::size_t from, std::size_t count) {
      if (from + count > words.size()) return false;
      for (std::size_t k = from; k < from + count; ++k)
        if (!words[k].literal) return false;
      return true;
    };
    if (i + 5 > words.size()) {
      calls.unreadable.push_back(where + "--install needs LINK NAME PATH PRIORITY");
      continue;
    }
    if (!literal(i + 1, 4)) {
      calls.unreadable.push_back(where + "an argument of --install is not a literal word (" + words[i + 1].text + " " +
                                 words[i + 2].text + " " + words[i + 3].text + " " + words[i + 4].text + ")");
      continue;
    }
    AlternativeInstall install;
    install.package = package;
    install.master = {words[i + 1].text, words[i + 2].text, words[i + 3].text};
    char* end = nullptr;
    install.priority = std::strtol(words[i + 4].text.c_str(), &end, 10);
    if (words[i + 4].text.empty() || *end != '\0') {
      calls.unreadable.push_back(where + "the priority '" + words[i + 4].text + "' is not a number");
      continue;
    }
    bool readable = true;
    for (std::size_t k = i + 5; k < words.size() && readable;) {
      if (words[k].text != "--slave") {
        calls.unreadable.push_back(where + "unexpected '" + words[k].text + "' after --install");
        readable = false;
      } else if (!literal(k + 1, 3)) {
        calls.unreadable.push_back(where + "an argument of --slave is not a literal word or is missing");
        readable = false;
      } else {
        install.slaves.push_back({words[k + 1].text, words[k + 2].text, words[k + 3].text});
        k += 4;
      }
    }
    if (readable) calls.installs.push_back(std::move(install));
  }
  return calls;
}

AppliedAlternatives apply_alternatives(StagingTree& tree, const std::vector<AlternativeInstall>& installs,
                                       const std::function<bool(const std::string& path)>& slimmed) {
  AppliedAlternatives applied;
  std::map<std::string, std::vector<const AlternativeInstall*>> groups;
  for (const auto& install : installs) groups[install.master.name].push_back(&install);
  const std::string context = "update-alternatives";
  for (auto& [name, members] : groups) {
    // One alternative a path (a package installing the same path twice: the later call wins).
    std::map<std::string, const AlternativeInstall*> by_path;
    for (const auto* member : members) by_path[member->master.path] = member;
    const AlternativeInstall* best = nullptr;
    for (const auto& [path, member] : by_path)
      if (tree_has(tree, path) && (!best || member->priority > best->priority)) best = member;
    if (!best) {
      bool all_slimmed = slimmed && std::all_of(by_path.begin(), by_path.end(),
                                                [&](const auto& entry) { return slimmed(entry.first); });
      if (!all_slimmed)
        applied.skipped.push_back(members.front()->package + ": " + name + ": no alternative's file is in the tree");
      continue;
    }
    // The slaves the group knows, in the order they first appear.
    std::vector<std::pair<std::string, std::string>> slave_links;  // name, link
    for (const auto& [path, member] : by_path)
      for (const auto& slave : member->slaves)
        if (std::none_of(slave_links.begin(), slave_links.end(), [&](const auto& s) { return s.first == slave.name; }))
          slave_links.emplace_back(slave.name, slave.link);

    auto link_group = [&](const AlternativeLink& link) {
      const std::string generic = image_path(link.link);
      auto existing = tree.type_of(generic);
      if (existing && *existing != std::filesystem::file_type::symlink) {
        applied.skipped.push_back(best->package + ": " + link.name + ": not replacing " + link.link +
                                  " with a link (a file of a package is there)");
        return;
      }
      tree.make_symlink("etc/alternatives/" + link.name, link.path, context);
      tree.make_symlink(generic, "/etc/alternatives/" + link.name, context);
    };
    link_group(best->master);
    for (const auto& slave : best->slaves)
      if (tree_has(tree, slave.path)) link_group(slave);

    std::string database = "auto\n" + best->master.link + "\n";
    for (const auto& [slave_name, slave_link] : slave_links) database += slave_name + "\n" + slave_link + "\n";
    database += "\n";
    for (const auto& [path, member] : by_path) {
      database += path + "\n" + std::to_string(member->priority) + "\n";
      for (const auto& [slave_name, slave_link] : slave_links) {
        auto slave = std::find_if(member->slaves.begin(), member->slaves.end(),
                                  [&](const AlternativeLink& s) { return s.name == slave_name; });
        database += (slave != member->slaves.end() ? slave->path : std::string()) + "\n";
      }
    }
    database += "\n";
    tree.write_file("var/lib/dpkg/alternatives/" + name, database, {0644, 0, 0}, context);
    applied.names.push_back(name);
  }
  return applied;
}

}  // namespace nanoforge::rootfs
