#include "rootfs/slimming.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "base/error.h"

namespace nanoforge::rootfs {

namespace fs = std::filesystem;

std::vector<SlimRule> bookworm_slim_rules() {
  return {
      {false, "/usr/share/doc/*"},
      {true, "/usr/share/doc/*/copyright"},
      {false, "/usr/share/man/*"},
      {false, "/usr/share/groff/*"},
      {false, "/usr/share/info/*"},
      {false, "/usr/share/lintian/*"},
      {false, "/usr/share/linda/*"},
      {false, "/usr/share/locale/*"},
      {true, "/usr/share/locale/C.UTF-8/*"},
  };
}

std::vector<SlimRule> runtime_slim_rules() {
  auto rules = bookworm_slim_rules();
  rules.push_back({false, "/usr/share/zoneinfo/right"});
  rules.push_back({false, "/usr/share/zoneinfo/right/*"});
  // tini's statically linked copy, for images without a libc; the runtime has glibc and
  // runs /usr/bin/tini.
  rules.push_back({false, "/usr/bin/tini-static"});
  // glibc's iconv charset modules (8.2 MB, 256 files; 2.9 MB of the gzip layer). Nothing in
  // the runtime calls iconv: Python (CJK codecs included), perl and curl convert text
  // themselves, and UTF-8, ASCII, ISO-8859-1 and UCS-2/4 are built into libc. The other
  // Unicode forms and the Western European and Cyrillic charsets stay (0.6 MB, 80 KB
  // compressed); the CJK tables alone would add 0.8 MB compressed. iconv_open() of a charset
  // left out fails with EINVAL, as for an unknown one; a spec keeps them all with
  // `runtime.keep: [/usr/lib/*/gconv/*]`.
  rules.push_back({false, "/usr/lib/*/gconv/*.so"});
  for (const char* kept : {"UTF-*.so", "UNICODE.so", "ISO8859-*.so", "CP125?.so", "KOI8-?.so"})
    rules.push_back({true, std::string("/usr/lib/*/gconv/") + kept});
  return rules;
}

std::vector<SlimRule> runtime_slim_rules(const std::vector<std::string>& keep) {
  auto rules = runtime_slim_rules();
  for (const auto& pattern : keep) rules.push_back({true, pattern});
  return rules;
}

bool is_excluded(const std::vector<SlimRule>& rules, const std::string& image_path) {
  const std::string absolute = "/" + image_path;
  bool excluded = false;
  for (const auto& rule : rules)
    if (::fnmatch(rule.pattern.c_str(), absolute.c_str(), 0) == 0) excluded = !rule.include;
  return excluded;
}

SlimResult slim_tree(StagingTree& tree, const std::vector<SlimRule>& rules) {
  SlimResult result;
  std::vector<std::string> files, directories;
  std::error_code error;
  for (fs::recursive_directory_iterator it(tree.root(), error), end; it != end; it.increment(error)) {
    std::string path = it->path().lexically_relative(tree.root()).generic_string();
    if (!is_excluded(rules, path)) continue;
    if (it->is_directory() && !it->is_symlink())
      directories.push_back(path);
    else
      files.push_back(path);
  }
  if (error) throw Error("cannot read " + tree.root().string() + ": " + error.message());
  for (const auto& path : files) {
    struct stat status {};
    if (::lstat(tree.host_path(path).c_str(), &status) == 0 && S_ISREG(status.st_mode) && status.st_nlink == 1)
      result.bytes_removed += static_cast<std::uint64_t>(status.st_size);
    tree.remove(path);
    ++result.files_removed;
  }
  // Deepest first, so a directory emptied by removing its children goes too.
  std::sort(directories.begin(), directories.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& path : directories) {
    if (!fs::is_empty(tree.host_path(path), error) || error) continue;
    tree.remove(path);
    ++result.directories_removed;
  }
  return result;
}

}  // namespace nanoforge::rootfs
