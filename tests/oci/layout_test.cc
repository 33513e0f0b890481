#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <utime.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "base/error.h"
#include "oci/layout.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::oci;
using nanoforge::Error;
using nanoforge::testing::read_text;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

Layer fake_layer(BlobStore& store, const std::string& content) {
  auto stored = store.put(content);
  return {{media_type::kLayerGzip, stored.digest, stored.size, {}, {}}, sha256_of("tar:" + content),
          content.size()};
}

// An image with a shared base layer and one layer of its own.
Image make_image(Layout& layout, const std::string& own_layer, const std::string& cmd) {
  ImageConfig config;
  config.cmd = {cmd};
  return store_image(layout.blobs(), config,
                     {fake_layer(layout.blobs(), "shared base layer"), fake_layer(layout.blobs(), own_layer)});
}

json index_of(const Layout& layout) { return json::parse(read_text(layout.directory() / "index.json")); }

std::size_t blob_count(const Layout& layout) {
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(layout.directory() / "blobs" / "sha256"))
    if (entry.path().filename().string()[0] != '.') ++count;
  return count;
}

}  // namespace

TEST_CASE("a new layout has oci-layout, an empty index and blobs/sha256", "[layout]") {
  TempDir dir;
  Layout layout(dir / "oci");
  CHECK(json::parse(read_text(dir / "oci" / "oci-layout")) == json::parse(R"({"imageLayoutVersion":"1.0.0"})"));
  auto index = index_of(layout);
  CHECK(index["schemaVersion"] == 2);
  CHECK(index["mediaType"] == media_type::kImageIndex);
  CHECK(index["manifests"] == json::array());
  CHECK(fs::is_directory(dir / "oci" / "blobs" / "sha256"));
  CHECK(layout.list().empty());
}

TEST_CASE("tagging writes the ref.name annotation and blob paths by digest", "[layout]") {
  TempDir dir;
  Layout layout(dir / "oci");
  auto image = make_image(layout, "app layer", "run");
  layout.tag(ImageReference::parse("nanobot:1.0"), image.manifest);

  auto index = index_of(layout);
  REQUIRE(index["manifests"].size() == 1);
  const auto& entry = index["manifests"][0];
  CHECK(entry["annotations"][kRefNameAnnotation] == "nanobot:1.0");
  CHECK(entry["digest"] == image.manifest.digest.str());
  CHECK(entry["mediaType"] == media_type::kImageManifest);
  CHECK(entry["size"] == image.manifest.size);
  CHECK(fs::is_regular_file(dir / "oci" / "blobs" / "sha256" / image.manifest.digest.hex));
  for (const auto& layer : image.layers)
    CHECK(fs::is_regular_file(dir / "oci" / "blobs" / "sha256" / layer.digest.hex));

  // Reopening reads what was written.
  Layout again(dir / "oci");
  auto found = again.find(ImageReference::parse("nanobot:1.0"));
  REQUIRE(found);
  CHECK(found->digest == image.manifest.digest);
  auto loaded = again.load(ImageReference::parse("nanobot:1.0"));
  CHECK(loaded.layers == image.layers);
}

TEST_CASE("several tags share blobs, retag replaces, untag removes", "[layout]") {
  TempDir dir;
  Layout layout(dir / "oci");
  auto first = make_image(layout, "first app", "one");
  auto second = make_image(layout, "second app", "two");
  // 2 images x (manifest + config + own layer) + 1 shared base layer.
  CHECK(blob_count(layout) == 7);
  layout.tag_all({{ImageReference::parse("nanobot:1"), first.manifest},
                  {ImageReference::parse("nanobot:latest"), first.manifest},
                  {ImageReference::parse("other/tool:2"), second.manifest}});
  auto listed = layout.list();
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].first.str() == "nanobot:1");
  CHECK(listed[1].first.str() == "nanobot:latest");
  CHECK(listed[2].first.str() == "other/tool:2");
  CHECK(listed[0].second.digest == listed[1].second.digest);

  layout.tag(ImageReference::parse("nanobot:latest"), second.manifest);
  listed = layout.list();
  REQUIRE(listed.size() == 3);
  CHECK(listed[1].first.str() == "nanobot:latest");
  CHECK(listed[1].second.digest == second.manifest.digest);
  CHECK(layout.resolve(ImageReference::parse("nanobot:1")).digest == first.manifest.digest);

  layout.untag(ImageReference::parse("nanobot:1"));
  CHECK_FALSE(layout.find(ImageReference::parse("nanobot:1")));
  CHECK(layout.list().size() == 2);
  CHECK_THROWS_WITH(layout.untag(ImageReference::parse("nanobot:1")),
                    Catch::Contains("nanobot:1") && Catch::Contains((dir / "oci").string()));
}

TEST_CASE("gc frees exactly the unreferenced blobs", "[layout]") {
  TempDir dir;
  Layout layout(dir / "oci");
  auto kept = make_image(layout, "kept app", "keep");
  auto dropped = make_image(layout, "dropped app layer", "drop");
  auto stray = layout.blobs().put("a blob nothing references");
  layout.tag(ImageReference::parse("kept:1"), kept.manifest);
  layout.tag(ImageReference::parse("dropped:1"), dropped.manifest);
  CHECK(layout.gc() == stray.size);
  CHECK_FALSE(layout.blobs().contains(stray.digest));

  layout.untag(ImageReference::parse("dropped:1"));
  auto& store = layout.blobs();
  std::uint64_t expected = dropped.manifest.size + dropped.config.size + dropped.layers[1].size;
  CHECK(layout.gc() == expected);
  CHECK_FALSE(store.contains(dropped.manifest.digest));
  CHECK_FALSE(store.contains(dropped.config.digest));
  CHECK_FALSE(store.contains(dropped.layers[1].digest));
  // The shared base layer is still used by kept:1.
  CHECK(store.contains(dropped.layers[0].digest));
  CHECK(store.contains(kept.manifest.digest));
  CHECK(store.contains(kept.config.digest));
  for (const auto& layer : kept.layers) CHECK(store.contains(layer.digest));
  CHECK_NOTHROW(layout.load(ImageReference::parse("kept:1")));
  CHECK(layout.gc() == 0);
}

TEST_CASE("gc follows nested image indexes", "[layout]") {
  TempDir dir;
  Layout layout(dir / "oci");
  auto image = make_image(layout, "platform app", "x");
  Descriptor child = image.manifest;
  child.platform = Platform{"amd64", "linux", ""};
  json nested = {{"schemaVersion", 2}, {"mediaType", media_type::kImageIndex}, {"manifests", {to_json(child)}}};
  auto stored = layout.blobs().put(nested.dump());
  layout.tag(ImageReference::parse("multi:1"), {media_type::kImageIndex, stored.digest, stored.size, {}, {}});
  CHECK(layout.gc() == 0);
  CHECK(layout.blobs().contains(image.config.digest));
  CHECK(layout.load(ImageReference::parse("multi:1")).config.digest == image.config.digest);
}

TEST_CASE("gc keeps fresh blob temporaries and removes stale ones", "[layout]") {
  TempDir dir;
  Layout layout(dir / "oci");
  auto fresh = dir / "oci" / "blobs" / "sha256" / ".incoming.tmp-fresh";
  auto stale = dir / "oci" / "blobs" / "sha256" / ".incoming.tmp-stale";
  write_text(fresh, "being written");
  write_text(stale, "left by a killed run");
  struct utimbuf old_times {0, std::time(nullptr) - 3 * 24 * 3600};
  REQUIRE(::utime(stale.c_str(), &old_times) == 0);
  CHECK(layout.gc() == std::string("left by a killed run").size());
  CHECK(fs::exists(fresh));
  CHECK_FALSE(fs::exists(stale));
}

TEST_CASE("gc waits for a build holding the blobs lock", "[layout]") {
  TempDir dir;
  Layout layout(dir / "oci");
  std::atomic<bool> gc_done{false};
  auto build_lock = std::make_unique<nanoforge::FileLock>(layout.lock_against_gc());
  auto written = layout.blobs().put("written by a build, not yet tagged");
  std::thread collector([&] {
    Layout other(dir / "oci");
    other.gc();
    gc_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(gc_done);
  auto image = store_image(layout.blobs(), {}, {{{media_type::kLayerGzip, written.digest, written.size, {}, {}},
                                                 sha256_of("x"), 1}});
  layout.tag(ImageReference::parse("built:1"), image.manifest);
  build_lock.reset();
  collector.join();
  CHECK(gc_done);
  CHECK(layout.blobs().contains(written.digest));
}

TEST_CASE("index.json never points at a missing blob", "[layout]") {
  TempDir dir;
  Layout layout(dir / "oci");
  auto good = make_image(layout, "good", "good");
  layout.tag(ImageReference::parse("good:1"), good.manifest);
  auto before = read_text(dir / "oci" / "index.json");

  auto broken = make_image(layout, "broken layer", "broken");
  fs::remove(layout.blobs().path_of(broken.layers[1].digest));
  CHECK_THROWS_WITH(layout.tag_all({{ImageReference::parse("fine:1"), good.manifest},
                                    {ImageReference::parse("broken:1"), broken.manifest}}),
                    Catch::Contains("broken:1") && Catch::Contains(broken.layers[1].digest.str()));
  CHECK(read_text(dir / "oci" / "index.json") == before);

  Descriptor absent{media_type::kImageManifest, sha256_of("no such manifest"), 16, {}, {}};
  CHECK_THROWS_WITH(layout.tag(ImageReference::parse("ghost:1"), absent), Catch::Contains(absent.digest.str()));
  CHECK(read_text(dir / "oci" / "index.json") == before);
}

TEST_CASE("bad layouts and unknown tags give errors naming the path and reference", "[layout]") {
  TempDir dir;
  write_text(dir / "a-file", "not a directory");
  CHECK_THROWS_WITH(Layout(dir / "a-file"), Catch::Contains((dir / "a-file").string()) &&
                                                Catch::Contains("not a directory"));

  fs::create_directories(dir / "bad-index" / "blobs" / "sha256");
  write_text(dir / "bad-index" / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  write_text(dir / "bad-index" / "index.json", "{\"schemaVersion\": 2, \"manifests\": [");
  CHECK_THROWS_WITH(Layout(dir / "bad-index"), Catch::Contains((dir / "bad-index" / "index.json").string()));
  write_text(dir / "bad-index" / "index.json", R"({"schemaVersion":2,"manifests":[{"mediaType":"x"}]})");
  CHECK_THROWS_WITH(Layout(dir / "bad-index"), Catch::Contains("index.json") && Catch::Contains("digest"));

  fs::create_directories(dir / "bad-version");
  write_text(dir / "bad-version" / "oci-layout", R"({"imageLayoutVersion":"7.0"})");
  CHECK_THROWS_WITH(Layout(dir / "bad-version"), Catch::Contains("oci-layout") && Catch::Contains("7.0"));

  write_text(dir / "someones-files" / "notes.txt", "keep me");
  CHECK_THROWS_WITH(Layout(dir / "someones-files"), Catch::Contains("notes.txt"));
  CHECK_FALSE(fs::exists(dir / "someones-files" / "oci-layout"));

  Layout layout(dir / "oci");
  layout.tag(ImageReference::parse("present:1"), make_image(layout, "x", "x").manifest);
  CHECK_THROWS_WITH(layout.resolve(ImageReference::parse("absent:2")),
                    Catch::Contains("absent:2") && Catch::Contains((dir / "oci").string()) &&
                        Catch::Contains("present:1"));
  CHECK_THROWS_WITH(layout.load(ImageReference::parse("absent:2")), Catch::Contains("absent:2"));
}

TEST_CASE("entries written by other tools are kept and skipped by list", "[layout]") {
  TempDir dir;
  Layout layout(dir / "oci");
  auto image = make_image(layout, "x", "x");
  auto index = index_of(layout);
  Descriptor foreign = image.manifest;
  foreign.annotations[kRefNameAnnotation] = "latest";  // skopeo's oci:DIR:latest form
  index["manifests"].push_back(to_json(foreign));
  write_text(dir / "oci" / "index.json", index.dump());
  layout.tag(ImageReference::parse("mine:1"), image.manifest);
  CHECK(index_of(layout)["manifests"].size() == 2);
  REQUIRE(layout.list().size() == 1);
  CHECK(layout.list()[0].first.str() == "mine:1");
}
