#include "oci/layer_entry.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

#include "base/error.h"

namespace nanoforge::oci {

namespace fs = std::filesystem;

std::string normalize_image_path(const std::string& path, const std::string& context) {
  if (path.find('\0') != std::string::npos)
    throw Error(context + ": image path '" + path + "' contains a NUL byte");
  std::string normal;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string component = path.substr(start, slash - start);
    start = slash + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..")
      throw Error(context + ": image path '" + path +
                  "' contains '..'; paths must stay inside the image root");
    if (!normal.empty()) normal += '/';
    normal += component;
  }
  return normal;
}

bool image_path_less(const std::string& left, const std::string& right) {
  std::size_t common = std::min(left.size(), right.size());
  for (std::size_t i = 0; i < common; ++i) {
    auto a = static_cast<unsigned char>(left[i]);
    auto b = static_cast<unsigned char>(right[i]);
    if (a == b) continue;
    // A component that ends first sorts first: "a/b" before "a-b".
    if (a == '/') return true;
    if (b == '/') return false;
    return a < b;
  }
  return left.size() < right.size();
}

namespace {

// The rule with the longest path that is `path` itself or one of its parents.
const OwnerRule* matching_rule(const std::string& path, const std::vector<OwnerRule>& rules) {
  const OwnerRule* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& rule : rules) {
    const std::string& prefix = rule.path;
    bool matches = prefix.empty() || path == prefix ||
                   (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
                    path[prefix.size()] == '/');
    if (matches && (!best || prefix.size() >= best_length)) {
      best = &rule;
      best_length = prefix.size();
    }
  }
  return best;
}

std::vector<OwnerRule> normalized_rules(const std::vector<OwnerRule>& rules) {
  std::vector<OwnerRule> normal;
  normal.reserve(rules.size());
  for (const auto& rule : rules) {
    OwnerRule copy = rule;
    copy.path = normalize_image_path(rule.path, "owner rule");
    normal.push_back(std::move(copy));
  }
  return normal;
}

std::string join_image_path(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "/" + name;
}

const char* special_file_kind(mode_t mode) {
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "of an unsupported file type";
}

struct Scanner {
  std::vector<LayerEntry> entries;
  // Regular files with more than one link, by (device, inode): the entries that share it.
  std::map<std::pair<dev_t, ino_t>, std::vector<std::size_t>> links;

  void add(const fs::path& file, const std::string& image_path) {
    struct stat info;
    if (::lstat(file.c_str(), &info) != 0) throw_system_error("cannot read", file.string());
    LayerEntry entry;
    entry.path = image_path;
    entry.mode = info.st_mode & 07777;
    if (S_ISREG(info.st_mode)) {
      entry.type = EntryType::Regular;
      entry.source = file;
      entry.size = static_cast<std::uint64_t>(info.st_size);
      if (info.st_nlink > 1) links[{info.st_dev, info.st_ino}].push_back(entries.size());
      entries.push_back(std::move(entry));
    } else if (S_ISLNK(info.st_mode)) {
      entry.type = EntryType::Symlink;
      entry.link_target = read_link(file, info);
      entries.push_back(std::move(entry));
    } else if (S_ISDIR(info.st_mode)) {
      entry.type = EntryType::Directory;
      if (!image_path.empty()) entries.push_back(std::move(entry));
      add_children(file, image_path);
    } else {
      throw Error("cannot put " + file.string() + " into a layer: it is " +
                  special_file_kind(info.st_mode) +
                  "; only regular files, directories and symbolic links are allowed");
    }
  }

  void add_children(const fs::path& directory, const std::string& image_path) {
    std::error_code error;
    fs::directory_iterator children(directory, error);
    if (error) throw Error("cannot read directory " + directory.string() + ": " + error.message());
    std::vector<std::string> names;
    for (auto end = fs::directory_iterator(); children != end; children.increment(error)) {
      if (error) break;
      names.push_back(children->path().filename().string());
    }
    if (error) throw Error("cannot read directory " + directory.string() + ": " + error.message());
    for (const auto& name : names) add(directory / name, join_image_path(image_path, name));
  }

  static std::string read_link(const fs::path& file, const struct stat& info) {
    std::string target(static_cast<std::size_t>(info.st_size) + 1, '\0');
    while (true) {
      ssize_t length = ::readlink(file.c_str(), target.data(), target.size());
      if (length < 0) throw_system_error("cannot read symbolic link", file.string());
      if (static_cast<std::size_t>(length) < target.size()) {
        target.resize(static_cast<std::size_t>(length));
        return target;
      }
      target.resize(target.size() * 2);  // the link grew since lstat
    }
  }

  // The first of each group of links in layer order keeps the content; the others link to it.
  void link_hard_links() {
    for (auto& [inode, indexes] : links) {
      if (indexes.size() < 2) continue;
      std::sort(indexes.begin(), indexes.end(), [&](std::size_t a, std::size_t b) {
        return image_path_less(entries[a].path, entries[b].path);
      });
      const std::string& first = entries[indexes.front()].path;
      for (std::size_t i = 1; i < indexes.size(); ++i) {
        auto& entry = entries[indexes[i]];
        entry.type = EntryType::Hardlink;
        entry.link_target = first;
        entry.source.clear();
        entry.size = 0;
      }
    }
  }
};

}  // namespace

std::vector<LayerEntry> scan_directory(const fs::path& directory, const std::string& destination,
                                       const std::vector<OwnerRule>& owner_rules) {
  std::string base = normalize_image_path(destination, "layer destination");
  auto rules = normalized_rules(owner_rules);

  struct stat info;
  if (::lstat(directory.c_str(), &info) != 0) throw_system_error("cannot read", directory.string());
  if (!S_ISDIR(info.st_mode))
    throw Error("layer source " + directory.string() + " is not a directory");

  Scanner scanner;
  // Parents of the destination, so the tree unpacks on an empty root.
  for (std::size_t slash = base.find('/'); slash != std::string::npos;
       slash = base.find('/', slash + 1)) {
    LayerEntry parent;
    parent.path = base.substr(0, slash);
    parent.type = EntryType::Directory;
    parent.mode = 0755;
    scanner.entries.push_back(std::move(parent));
  }
  scanner.add(directory, base);
  scanner.link_hard_links();

  std::sort(scanner.entries.begin(), scanner.entries.end(),
            [](const LayerEntry& a, const LayerEntry& b) { return image_path_less(a.path, b.path); });
  apply_owner_rules(scanner.entries, rules);
  return std::move(scanner.entries);
}

void apply_owner_rules(std::vector<LayerEntry>& entries, const std::vector<OwnerRule>& rules) {
  if (rules.empty()) return;
  auto normal = normalized_rules(rules);
  for (auto& entry : entries) {
    if (const OwnerRule* rule = matching_rule(entry.path, normal)) {
      entry.uid = rule->uid;
      entry.gid = rule->gid;
    }
  }
}

}  // namespace nanoforge::oci
