// The default stdlib pruning list and the matcher behind it.
#include "venv/prune.h"

#include <catch2/catch.hpp>

using namespace nanoforge::venv;

TEST_CASE("default pruning removes what a server never uses", "[prune]") {
  auto patterns = default_prune_list("3.12", false);
  for (const char* path : {"test", "test/test_os.py", "test/support/__init__.py", "idlelib/idle.py", "tkinter",
                           "tkinter/__init__.py", "turtledemo/clock.py", "turtle.py", "ensurepip/__init__.py",
                           "ensurepip/_bundled/pip-23.2.1-py3-none-any.whl",
                           "config-3.12-x86_64-linux-gnu/libpython3.12.a",
                           "lib-dynload/_tkinter.cpython-312-x86_64-linux-gnu.so",
                           "lib-dynload/nis.cpython-312-x86_64-linux-gnu.so",
                           "lib-dynload/_testcapi.cpython-312-x86_64-linux-gnu.so",
                           "lib-dynload/xxlimited_35.cpython-312-x86_64-linux-gnu.so",
                           "site-packages/pip/__init__.py"})
    CHECK(is_pruned(path, patterns));
}

TEST_CASE("default pruning keeps what servers need", "[prune]") {
  auto patterns = default_prune_list("3.12", false);
  for (const char* path : {"os.py", "asyncio/__init__.py", "json/decoder.py", "encodings/utf_8.py", "site-packages",
                           "config-3.12-x86_64-linux-gnu/Makefile", "lib-dynload/_ssl.cpython-312-x86_64-linux-gnu.so",
                           "lib-dynload/_socket.cpython-312-x86_64-linux-gnu.so", "unittest/mock.py",
                           "email/mime/text.py", "tests.py", "testing/x.py", "sqlite3/__init__.py"})
    CHECK_FALSE(is_pruned(path, patterns));
}

TEST_CASE("ensurepip stays when asked", "[prune]") {
  CHECK_FALSE(is_pruned("ensurepip/__init__.py", default_prune_list("3.12", true)));
}

TEST_CASE("a configurable list prunes only what it names", "[prune]") {
  std::vector<std::string> patterns = {"lib2to3", "lib-dynload/_curses*"};
  CHECK(is_pruned("lib2to3/fixer_base.py", patterns));
  CHECK(is_pruned("lib-dynload/_curses_panel.cpython-312-x86_64-linux-gnu.so", patterns));
  CHECK_FALSE(is_pruned("test/test_os.py", patterns));
  CHECK_FALSE(is_pruned("curses/__init__.py", patterns));
}
