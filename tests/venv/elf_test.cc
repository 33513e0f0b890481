// The ELF reader and run-path rewriter, judged by binutils' readelf and patchelf.
#include "venv/elf.h"

#include <catch2/catch.hpp>

#include "base/atomic_file.h"
#include "base/error.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::venv;
using namespace nanoforge::testing;

namespace {

std::string pyenv_prefix() {
  auto result = run("pyenv prefix 3.12.1 2>/dev/null || ls -d \"$HOME\"/.pyenv/versions/3.12.* 2>/dev/null | head -1");
  std::string prefix = result.output.substr(0, result.output.find('\n'));
  return prefix;
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("read_elf_dynamic lists what readelf lists", "[elf]") {
  auto info = read_elf_dynamic("/bin/ls");
  REQUIRE(info.has_dynamic);
  auto readelf = run("readelf -d /bin/ls | sed -n 's/.*(NEEDED).*\\[\\(.*\\)\\]/\\1/p'");
  std::string expected;
  for (const auto& name : info.needed) expected += name + "\n";
  CHECK(readelf.output == expected);
  CHECK(std::find(info.needed.begin(), info.needed.end(), "libc.so.6") != info.needed.end());
  CHECK(!info.runpath);
}

TEST_CASE("read_elf_dynamic reads SONAME of a shared library", "[elf]") {
  auto libc = trim(run("readlink -f /lib/x86_64-linux-gnu/libc.so.6").output);
  auto info = read_elf_dynamic(libc);
  REQUIRE(info.soname);
  CHECK(*info.soname == "libc.so.6");
}

TEST_CASE("non-ELF input is a clear error", "[elf]") {
  TempDir dir;
  write_text(dir / "script", "#!/bin/sh\necho hi\n");
  CHECK_FALSE(is_elf_file(dir / "script"));
  CHECK(is_elf_file("/bin/ls"));
  CHECK_THROWS_WITH(read_elf_dynamic(dir / "script"), Catch::Contains("not an ELF file") &&
                                                          Catch::Contains((dir / "script").string()));
}

TEST_CASE("set_elf_runpath rewrites a copied interpreter in place", "[elf]") {
  auto prefix = pyenv_prefix();
  if (prefix.empty()) NANOFORGE_SKIP("no CPython 3.12 install found (pyenv prefix 3.12.1)");
  TempDir dir;
  std::filesystem::create_directories(dir / "bin");
  std::filesystem::create_directories(dir / "lib");
  std::filesystem::copy_file(prefix + "/bin/python3.12", dir / "bin/python3.12");
  std::filesystem::copy_file(prefix + "/lib/libpython3.12.so.1.0", dir / "lib/libpython3.12.so.1.0");

  auto before = read_elf_dynamic(dir / "bin/python3.12");
  REQUIRE(before.runpath);
  CHECK(*before.runpath == trim(run("patchelf --print-rpath " + shell_quote((dir / "bin/python3.12").string())).output));

  std::string relocated = relocated_runpath(*before.runpath, prefix, "bin");
  CHECK(relocated == "$ORIGIN/../lib");
  set_elf_runpath(dir / "bin/python3.12", relocated);

  CHECK(trim(run("patchelf --print-rpath " + shell_quote((dir / "bin/python3.12").string())).output) ==
        "$ORIGIN/../lib");
  auto readelf = run("readelf -d " + shell_quote((dir / "bin/python3.12").string()));
  CHECK_THAT(readelf.output, Catch::Contains("Library runpath: [$ORIGIN/../lib]"));
  CHECK(read_elf_dynamic(dir / "bin/python3.12").needed == before.needed);
  CHECK(std::filesystem::status(dir / "bin/python3.12").permissions() ==
        std::filesystem::status(prefix + "/bin/python3.12").permissions());

  // The rewritten binary runs from its new place and finds the copied libpython there.
  auto ldd = run("ldd " + shell_quote((dir / "bin/python3.12").string()));
  CHECK_THAT(ldd.output, Catch::Contains((dir / "bin/../lib/libpython3.12.so.1.0").string()));
}

TEST_CASE("set_elf_runpath refuses a longer run path and a binary without one", "[elf]") {
  auto prefix = pyenv_prefix();
  if (prefix.empty()) NANOFORGE_SKIP("no CPython 3.12 install found (pyenv prefix 3.12.1)");
  TempDir dir;
  std::filesystem::copy_file(prefix + "/bin/python3.12", dir / "python3.12");
  auto original = read_file(dir / "python3.12");
  CHECK_THROWS_WITH(set_elf_runpath(dir / "python3.12", std::string(200, 'x')),
                    Catch::Contains("longer than the old"));
  CHECK(read_file(dir / "python3.12") == original);
  std::filesystem::copy_file("/bin/ls", dir / "ls");
  CHECK_THROWS_WITH(set_elf_runpath(dir / "ls", "$ORIGIN"), Catch::Contains("no DT_RUNPATH"));
}

TEST_CASE("relocated_runpath maps prefix components and drops foreign ones", "[elf]") {
  CHECK(relocated_runpath("/p/lib", "/p", "lib/python3.12/lib-dynload") == "$ORIGIN/../..");
  CHECK(relocated_runpath("/p/lib", "/p", "lib") == "$ORIGIN");
  CHECK(relocated_runpath("/p/lib:/usr/lib/x:$ORIGIN/../lib", "/p", "bin") == "$ORIGIN/../lib");
  CHECK(relocated_runpath("/usr/lib", "/p", "bin").empty());
  CHECK(relocated_runpath("/pp/lib", "/p", "bin").empty());
}
