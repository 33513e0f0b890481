// download_file / download_files / fetch_text through libcurl, with file:// URLs so the
// checks (digest, size, missing source, atomic destination) run without a network.
#include <catch2/catch.hpp>

#include "base/error.h"
#include "base/http_download.h"
#include "test_support.h"

using namespace nanoforge;
using nanoforge::testing::read_text;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;

namespace {
std::string file_url(const std::filesystem::path& path) { return "file://" + path.string(); }
}  // namespace

TEST_CASE("download_file writes the content and checks digest and size", "[http]") {
  TempDir dir;
  write_text(dir / "source.txt", "hello, archive\n");
  DownloadRequest request{file_url(dir / "source.txt"), dir / "out" / "copy.txt",
                          sha256_of("hello, archive\n"), 15};
  download_file(request);
  CHECK(read_text(dir / "out" / "copy.txt") == "hello, archive\n");
}

TEST_CASE("download_file refuses a digest mismatch and leaves the old file", "[http]") {
  TempDir dir;
  write_text(dir / "source.txt", "tampered\n");
  write_text(dir / "target.txt", "previous good content");
  DownloadRequest request{file_url(dir / "source.txt"), dir / "target.txt",
                          sha256_of("original\n"), std::nullopt};
  REQUIRE_THROWS_WITH(download_file(request), Catch::Contains("does not match") &&
                                                  Catch::Contains("source.txt"));
  CHECK(read_text(dir / "target.txt") == "previous good content");
  // No temporary files are left behind.
  std::size_t entries = 0;
  for ([[maybe_unused]] auto& entry : std::filesystem::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 2);
}

TEST_CASE("download_file refuses a size mismatch", "[http]") {
  TempDir dir;
  write_text(dir / "source.txt", "short");
  DownloadRequest request{file_url(dir / "source.txt"), dir / "copy.txt", std::nullopt, 10};
  REQUIRE_THROWS_WITH(download_file(request), Catch::Contains("expected 10"));
  CHECK_FALSE(std::filesystem::exists(dir / "copy.txt"));
  DownloadRequest too_long{file_url(dir / "source.txt"), dir / "copy.txt", std::nullopt, 2};
  REQUIRE_THROWS_WITH(download_file(too_long), Catch::Contains("more bytes than the expected 2"));
}

TEST_CASE("download_files fetches several and names a missing source", "[http]") {
  TempDir dir;
  std::vector<DownloadRequest> requests;
  for (int i = 0; i < 7; ++i) {
    std::string content(1000 * (i + 1), static_cast<char>('a' + i));
    write_text(dir / ("in" + std::to_string(i)), content);
    requests.push_back({file_url(dir / ("in" + std::to_string(i))),
                        dir / "out" / std::to_string(i), sha256_of(content), content.size()});
  }
  std::uint64_t last_done = 0;
  bool finished = false;
  download_files(requests, 3, [&](const ProgressEvent& event) {
    last_done = event.done;
    finished = finished || event.finished;
  });
  CHECK(finished);
  CHECK(last_done == 28000);
  for (int i = 0; i < 7; ++i)
    CHECK(read_text(dir / "out" / std::to_string(i)).size() == std::size_t(1000 * (i + 1)));

  requests.push_back({file_url(dir / "missing"), dir / "out" / "missing", std::nullopt, std::nullopt});
  REQUIRE_THROWS_WITH(download_files(requests, 3), Catch::Contains("missing"));
}

TEST_CASE("fetch_text reads into memory and names the URL on failure", "[http]") {
  TempDir dir;
  write_text(dir / "InRelease", "Codename: bookworm\n");
  CHECK(fetch_text(file_url(dir / "InRelease")) == "Codename: bookworm\n");
  REQUIRE_THROWS_WITH(fetch_text(file_url(dir / "absent")), Catch::Contains("absent"));
}
