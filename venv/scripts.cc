#include "venv/scripts.h"

#include <vector>

namespace nanoforge::venv {
namespace {

std::vector<std::string> first_lines(const std::string& content, std::size_t count) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (lines.size() < count && start < content.size()) {
    std::size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    lines.push_back(content.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::size_t length_of_lines(const std::vector<std::string>& lines, std::size_t count) {
  std::size_t length = 0;
  for (std::size_t i = 0; i < count; ++i) length += lines[i].size() + 1;
  return length;
}

// True when `path` is `bin_dir`/python* (the venv's own interpreter at build time).
bool names_venv_python(const std::string& path, const std::string& bin_dir) {
  std::string prefix = bin_dir + "/python";
  return path.rfind(prefix, 0) == 0 && path.find('/', prefix.size()) == std::string::npos;
}

}  // namespace

std::string trampoline_header(const std::string& interpreter_name) {
  // No backslashes and no triple quotes: the shell code is also the body of a Python string.
  // $(cd -P ... && pwd -P) resolves a symlinked venv directory with builtins alone; only a
  // symlink to the script itself needs readlink, and only where one exists.
  return "#!/bin/sh\n"
         "'''true'\n"
         "# Relocatable console script: the shell finds " + interpreter_name + " beside this file\n"
         "# with shell builtins only, then Python runs the rest of the file.\n"
         "p=$0\n"
         "while :; do\n"
         "  case $p in */*) d=${p%/*} ;; *) d=. ;; esac\n"
         "  d=$(cd -P -- \"${d:-/}\" 2>/dev/null && pwd -P) || d=\n"
         "  if [ -n \"$d\" ] && [ -x \"$d/" + interpreter_name + "\" ]; then exec \"$d/" +
         interpreter_name + "\" \"$p\" \"$@\"; fi\n"
         "  [ -h \"$p\" ] && command -v readlink >/dev/null 2>&1 || break\n"
         "  t=$(readlink -- \"$p\")\n"
         "  case $t in /*) p=$t ;; *) p=${p%/*}/$t ;; esac\n"
         "done\n"
         "echo \"${0##*/}: cannot find " + interpreter_name + " beside $0\" >&2\n"
         "exit 127\n"
         "'''\n";
}

std::optional<std::string> relocate_script(const std::string& content, const std::string& bin_dir,
                                           const std::string& interpreter_name) {
  if (content.rfind("#!", 0) != 0) return std::nullopt;
  auto lines = first_lines(content, 3);
  std::string shebang = lines[0].substr(2);
  while (!shebang.empty() && shebang.front() == ' ') shebang.erase(0, 1);
  std::string interpreter = shebang.substr(0, shebang.find(' '));
  if (names_venv_python(interpreter, bin_dir))
    return trampoline_header(interpreter_name) + content.substr(std::min(content.size(), length_of_lines(lines, 1)));
  // pip's form for interpreter paths too long for a shebang or holding spaces.
  if (interpreter == "/bin/sh" && lines.size() == 3 && lines[1].rfind("'''exec' \"", 0) == 0 &&
      lines[2] == "' '''") {
    std::string quoted = lines[1].substr(std::string("'''exec' \"").size());
    std::string path = quoted.substr(0, quoted.find('"'));
    if (names_venv_python(path, bin_dir))
      return trampoline_header(interpreter_name) + content.substr(std::min(content.size(), length_of_lines(lines, 3)));
  }
  return std::nullopt;
}

}  // namespace nanoforge::venv
