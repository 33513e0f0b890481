#include "base/joined.h"

#include <catch2/catch.hpp>

using nanoforge::joined;

TEST_CASE("joined puts the separator between items only", "[joined]") {
  CHECK(joined({}) == "");
  CHECK(joined({"a"}) == "a");
  CHECK(joined({"a", "b", "c"}) == "a, b, c");
  CHECK(joined({"x", "y"}, " | ") == "x | y");
}
