// The content-addressed blob store and atomic files: blobs are named by their digest,
// checked before use, and nothing half-written is ever left under a real name.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "base/atomic_file.h"
#include "oci/blob_store.h"
#include "base/error.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::oci;
using nanoforge::testing::read_text;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;
namespace fs = std::filesystem;

namespace {
std::size_t count_files(const fs::path& directory) {
  std::size_t count = 0;
  for (auto& file : fs::directory_iterator(directory)) {
    (void)file;
    ++count;
  }
  return count;
}
}  // namespace

TEST_CASE("put stores a blob under its digest and reads it back verified", "[blob]") {
  TempDir directory;
  BlobStore store(directory / "blobs");
  auto blob = store.put("abc");
  REQUIRE(blob.digest == sha256_of("abc"));
  REQUIRE(blob.size == 3);
  REQUIRE(store.path_of(blob.digest) == directory / "blobs/sha256" / blob.digest.hex);
  REQUIRE(read_text(store.path_of(blob.digest)) == "abc");
  REQUIRE(store.contains(blob.digest));
  REQUIRE(store.size_of(blob.digest) == 3);
  REQUIRE(store.read(blob.digest) == "abc");
  REQUIRE_NOTHROW(store.verify(blob.digest));
  // Storing it again changes nothing.
  REQUIRE(store.put("abc").digest == blob.digest);
  REQUIRE(count_files(directory / "blobs/sha256") == 1);
}

TEST_CASE("a corrupt or missing blob is detected and named", "[blob]") {
  TempDir directory;
  BlobStore store(directory / "blobs");
  auto blob = store.put("the original content");
  auto path = store.path_of(blob.digest);
  write_text(path, "the changed content!");
  REQUIRE_THROWS_WITH(store.verify(blob.digest), Catch::Contains(path.string()) && Catch::Contains("corrupt"));
  REQUIRE_THROWS_WITH(store.read(blob.digest), Catch::Contains(path.string()) && Catch::Contains("corrupt"));
  auto missing = sha256_of("never stored");
  REQUIRE_FALSE(store.contains(missing));
  REQUIRE_THROWS_WITH(store.verify(missing), Catch::Contains(missing.str()) && Catch::Contains("missing"));
  REQUIRE_THROWS_WITH(store.size_of(missing), Catch::Contains(missing.str()));
}

TEST_CASE("BlobWriter streams bytes in and names the blob by their digest", "[blob]") {
  TempDir directory;
  BlobStore store(directory / "blobs");
  auto writer = store.writer();
  writer.write("ab", 2);
  writer.write("c", 1);
  auto blob = writer.commit();
  REQUIRE(blob.digest == sha256_of("abc"));
  REQUIRE(blob.size == 3);
  REQUIRE(count_files(directory / "blobs/sha256") == 1);
  store.verify(blob.digest);

  write_text(directory / "source", "from a file");
  auto copied = store.put_file(directory / "source");
  REQUIRE(store.read(copied.digest) == "from a file");
  REQUIRE_THROWS_WITH(store.put_file(directory / "absent"), Catch::Contains((directory / "absent").string()));
}

TEST_CASE("an abandoned BlobWriter leaves nothing behind", "[blob]") {
  TempDir directory;
  BlobStore store(directory / "blobs");
  {
    auto writer = store.writer();
    writer.write("half a layer", 12);
  }
  REQUIRE(fs::is_empty(directory / "blobs/sha256"));
}

TEST_CASE("AtomicFile replaces the target whole or not at all", "[atomic]") {
  TempDir directory;
  auto target = directory / "index.json";
  write_text(target, "old");
  REQUIRE_THROWS_AS(([&] {
                      AtomicFile file(target);
                      file.write("new but unfinished");
                      throw std::runtime_error("killed halfway");
                    }()),
                    std::runtime_error);
  REQUIRE(read_text(target) == "old");
  REQUIRE(count_files(directory.path()) == 1);  // no temporary file left

  {
    AtomicFile file(target, 0600);
    file.write("new");
    file.commit();
  }
  REQUIRE(read_text(target) == "new");
  struct stat info;
  REQUIRE(::stat(target.c_str(), &info) == 0);
  REQUIRE((info.st_mode & 0777) == 0600);
  REQUIRE(count_files(directory.path()) == 1);

  write_file_atomically(target, "newest");
  REQUIRE(read_file(target) == "newest");
  REQUIRE_THROWS_WITH(read_file(directory / "absent"), Catch::Contains((directory / "absent").string()));
  REQUIRE_THROWS_WITH(AtomicFile(directory / "no/such/dir/file"), Catch::Contains("no/such/dir"));
}
