// The relocatable console-script trampoline, run by the shells a runtime may have.
#include "venv/scripts.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "test_support.h"

using namespace nanoforge::venv;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

const char* kPipScript =
    "#!/build/venv/bin/python3.12\n"
    "# -*- coding: utf-8 -*-\n"
    "import sys\n"
    "print('args', sys.argv[1:])\n";

std::string python312() {
  auto result = run("p=$(pyenv prefix 3.12.1 2>/dev/null) && test -x \"$p/bin/python3.12\" && echo \"$p/bin/python3.12\"");
  return result.exit_code == 0 ? result.output.substr(0, result.output.find('\n')) : "";
}

// A venv-like bin/ under a directory whose name has spaces, holding the relocated script.
struct ScriptTree {
  TempDir dir{"nanoforge-trampoline"};
  fs::path bin;
  fs::path script;
  explicit ScriptTree(const std::string& python) {
    bin = dir / "my venv" / "bin";
    fs::create_directories(bin);
    fs::create_symlink(python, bin / "python3.12");
    auto relocated = relocate_script(kPipScript, "/build/venv/bin", "python3.12");
    REQUIRE(relocated);
    script = bin / "tool";
    write_text(script, *relocated);
    fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  }
};

}  // namespace

TEST_CASE("relocate_script recognises both of pip's shebang forms", "[scripts]") {
  auto plain = relocate_script(kPipScript, "/build/venv/bin", "python3.12");
  REQUIRE(plain);
  CHECK_THAT(*plain, Catch::StartsWith("#!/bin/sh\n'''true'\n"));
  CHECK_THAT(*plain, Catch::EndsWith("'''\n# -*- coding: utf-8 -*-\nimport sys\nprint('args', sys.argv[1:])\n"));
  CHECK(plain->find("/build/venv") == std::string::npos);
  CHECK(plain->find('\\') == std::string::npos);

  std::string long_form = "#!/bin/sh\n'''exec' \"/build/venv/bin/python3.12\" \"$0\" \"$@\"\n' '''\nimport sys\n";
  auto relocated = relocate_script(long_form, "/build/venv/bin", "python3.12");
  REQUIRE(relocated);
  CHECK(relocated->find("/build/venv") == std::string::npos);
  CHECK_THAT(*relocated, Catch::EndsWith("'''\nimport sys\n"));

  CHECK_FALSE(relocate_script("#!/usr/bin/python3\nimport sys\n", "/build/venv/bin", "python3.12"));
  CHECK_FALSE(relocate_script("#!/build/venv/bin/pythonic/x\n", "/build/venv/bin", "python3.12"));
  CHECK_FALSE(relocate_script("\x7f" "ELF...", "/build/venv/bin", "python3.12"));
}

TEST_CASE("the trampoline runs under dash and busybox sh with no external commands", "[scripts]") {
  auto python = python312();
  if (python.empty()) NANOFORGE_SKIP("no CPython 3.12 (pyenv prefix 3.12.1) to run scripts with");
  ScriptTree tree(python);
  std::string expected = "args ['a', 'b c']\n";
  // PATH names nothing: every command the header runs must be a shell builtin.
  for (const char* shell : {"/usr/bin/dash", "/bin/busybox sh"}) {
    if (!fs::exists(std::string(shell).substr(0, std::string(shell).find(' '))))
      FAIL("missing shell " << shell << " (install dash / busybox-static)");
    auto result = run(std::string("env -i PATH=/nonexistent ") + shell + " " + shell_quote(tree.script.string()) +
                      " a 'b c'");
    INFO(shell);
    CHECK(result.exit_code == 0);
    CHECK(result.output == expected);
  }
  // Executed directly: the kernel hands it to /bin/sh.
  auto direct = run(shell_quote(tree.script.string()) + " a 'b c'");
  CHECK(direct.output == expected);
  // Python itself accepts the header without warnings.
  auto strict = run(shell_quote(python) + " -W error " + shell_quote(tree.script.string()) + " a 'b c'");
  CHECK(strict.output == expected);
}

TEST_CASE("the trampoline follows symlinks to the venv and to the script", "[scripts]") {
  auto python = python312();
  if (python.empty()) NANOFORGE_SKIP("no CPython 3.12 (pyenv prefix 3.12.1) to run scripts with");
  ScriptTree tree(python);
  // A symlinked venv directory (as /opt/venv -> venv-2 would be): builtins resolve it.
  fs::create_directory_symlink(tree.dir / "my venv", tree.dir / "linked venv");
  auto via_dir = run("env -i PATH=/nonexistent /bin/busybox sh " +
                     shell_quote((tree.dir / "linked venv" / "bin" / "tool").string()) + " x");
  CHECK(via_dir.output == "args ['x']\n");
  // A symlink to the script itself from another directory (needs readlink, which the host has).
  fs::create_directories(tree.dir / "elsewhere");
  fs::create_symlink("../my venv/bin/tool", tree.dir / "elsewhere" / "tool");
  auto via_link = run(shell_quote((tree.dir / "elsewhere" / "tool").string()) + " y");
  CHECK(via_link.output == "args ['y']\n");
  // With no interpreter beside it, a clear message and exit 127.
  fs::remove(tree.bin / "python3.12");
  auto missing = run("/usr/bin/dash " + shell_quote(tree.script.string()));
  CHECK(missing.exit_code == 127);
  CHECK_THAT(missing.output, Catch::Contains("cannot find python3.12 beside"));
}
