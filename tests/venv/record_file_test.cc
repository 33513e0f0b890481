// RECORD read as the CSV it is (PyPA "Recording installed projects").
#include "venv/record_file.h"

#include <catch2/catch.hpp>

#include "test_support.h"

using namespace nanoforge::venv;
using namespace nanoforge::testing;

TEST_CASE("RECORD's paths are read as CSV: a quoted path keeps its comma and its quotes", "[record]") {
  TempDir dist_info;
  write_text(dist_info / "RECORD",
             "pkg/__init__.py,sha256=abc,12\n\"pkg/a,b.py\",sha256=def,3\n\"pkg/say \"\"hi\"\".txt\",,\n\n"
             "../../../bin/tool,sha256=x,9\npkg-1.0.dist-info/RECORD,,\n");
  CHECK(recorded_paths(dist_info.path()) == std::vector<std::string>{"pkg/__init__.py", "pkg/a,b.py", "pkg/say \"hi\".txt",
                                                                       "../../../bin/tool", "pkg-1.0.dist-info/RECORD"});
  CHECK_THROWS(recorded_paths(dist_info / "absent.dist-info"));
}
