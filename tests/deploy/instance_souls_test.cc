// The built-in souls (personalities) are docker/souls' text.
#include <catch2/catch.hpp>

#include "deploy/instance_souls.h"
#include "test_support.h"

using namespace nanoforge::deploy;
using namespace nanoforge::testing;

TEST_CASE("built-in souls are the text of docker/souls", "[instance]") {
  for (const char* soul : {"assistant", "expert", "creative"})
    CHECK(builtin_soul(soul) == read_text(source_dir() / "docker" / "souls" / (std::string(soul) + ".md")));
  CHECK_THAT(custom_soul_stub("zed"), Catch::Contains("'zed'"));
}
