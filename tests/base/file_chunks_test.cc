// The one chunked read loop: every byte in order, early stop, a missing file by choice.
#include <catch2/catch.hpp>
#include <string>

#include "base/error.h"
#include "base/file_chunks.h"
#include "test_support.h"

using namespace nanoforge;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;

TEST_CASE("read_file_chunks passes the whole file in order, in pieces of at most 1 MiB", "[file_chunks]") {
  TempDir dir;
  std::string content;
  for (int i = 0; content.size() < (5u << 20) / 2; ++i) content += std::to_string(i) + "\n";
  write_text(dir.path() / "big", content);
  std::string read;
  std::size_t pieces = 0;
  CHECK(read_file_chunks(dir.path() / "big", [&](const char* data, std::size_t size) {
    CHECK(size > 0);
    CHECK(size <= (1u << 20));
    read.append(data, size);
    ++pieces;
    return true;
  }));
  CHECK(read == content);
  CHECK(pieces >= 3);
}

TEST_CASE("read_file_chunks stops when the sink says so", "[file_chunks]") {
  TempDir dir;
  write_text(dir.path() / "big", std::string(3u << 20, 'x'));
  std::size_t pieces = 0;
  read_file_chunks(dir.path() / "big", [&](const char*, std::size_t) { return ++pieces < 2; });
  CHECK(pieces == 2);
}

TEST_CASE("read_file_chunks names the missing file, or skips it when asked", "[file_chunks]") {
  TempDir dir;
  auto missing = dir.path() / "missing";
  auto sink = [](const char*, std::size_t) { return true; };
  CHECK_THROWS_WITH(read_file_chunks(missing, sink, "cannot read blob"),
                    Catch::Contains("cannot read blob: " + missing.string()));
  CHECK_FALSE(read_file_chunks(missing, sink, "cannot read", IfMissing::skip));
  // A directory is not a missing file: it fails even with skip.
  CHECK_THROWS_WITH(read_file_chunks(dir.path(), sink, "cannot read", IfMissing::skip),
                    Catch::Contains(dir.path().string()));
}
