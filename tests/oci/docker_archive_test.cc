#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <map>

#include "oci/docker_archive.h"
#include "base/error.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::oci;
using nanoforge::testing::read_text;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Member {
  std::string content;
  unsigned type = 0;
  unsigned mode = 0;
  long long mtime = -1;
  long long uid = -1;
  long long gid = -1;
};

// Reads a tar back with libarchive, in order.
std::vector<std::pair<std::string, Member>> read_tar(const fs::path& path) {
  std::vector<std::pair<std::string, Member>> members;
  archive* reader = archive_read_new();
  archive_read_support_format_tar(reader);
  REQUIRE(archive_read_open_filename(reader, path.c_str(), 65536) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
    Member member;
    member.type = archive_entry_filetype(entry);
    member.mode = archive_entry_perm(entry);
    member.mtime = archive_entry_mtime(entry);
    member.uid = archive_entry_uid(entry);
    member.gid = archive_entry_gid(entry);
    char buffer[65536];
    la_ssize_t got;
    while ((got = archive_read_data(reader, buffer, sizeof buffer)) > 0) member.content.append(buffer, got);
    members.emplace_back(archive_entry_pathname(entry), std::move(member));
  }
  archive_read_free(reader);
  return members;
}

Layer stored_layer(BlobStore& store, const std::string& content, const char* type = media_type::kLayerGzip) {
  auto stored = store.put(content);
  return {{type, stored.digest, stored.size, {}, {}}, sha256_of("tar:" + content), content.size()};
}

Image make_image(Layout& layout, const std::string& own, const char* type = media_type::kLayerGzip) {
  ImageConfig config;
  config.cmd = {"/bin/busybox", "echo", own};
  return store_image(layout.blobs(), config,
                     {stored_layer(layout.blobs(), "base"), stored_layer(layout.blobs(), own, type)});
}

std::string blob_path(const Digest& digest) { return "blobs/sha256/" + digest.hex; }

}  // namespace

TEST_CASE("docker-archive holds manifest.json, repositories and the OCI layout sharing blobs", "[docker-archive]") {
  TempDir dir;
  Layout layout(dir / "oci");
  auto app = make_image(layout, "app");
  auto tool = make_image(layout, "tool");
  layout.tag_all({{ImageReference::parse("nanobot:1.0"), app.manifest},
                  {ImageReference::parse("nanobot:latest"), app.manifest},
                  {ImageReference::parse("tools/x:2"), tool.manifest}});
  export_docker_archive(layout,
                        {ImageReference::parse("nanobot:1.0"), ImageReference::parse("tools/x:2"),
                         ImageReference::parse("nanobot:latest")},
                        dir / "out.tar");

  auto members = read_tar(dir / "out.tar");
  std::vector<std::string> names;
  std::map<std::string, Member> by_name;
  for (const auto& [name, member] : members) {
    names.push_back(name);
    by_name[name] = member;
    CHECK(member.mtime == 0);
    CHECK(member.uid == 0);
    CHECK(member.gid == 0);
  }
  std::vector<std::string> blob_names;
  for (const auto* image : {&app, &tool}) {
    blob_names.push_back(blob_path(image->manifest.digest));
    blob_names.push_back(blob_path(image->config.digest));
    for (const auto& layer : image->layers) blob_names.push_back(blob_path(layer.digest));
  }
  std::sort(blob_names.begin(), blob_names.end());
  blob_names.erase(std::unique(blob_names.begin(), blob_names.end()), blob_names.end());
  CHECK(blob_names.size() == 7);  // the base layer is stored once
  std::vector<std::string> expected = {"blobs/", "blobs/sha256/"};
  expected.insert(expected.end(), blob_names.begin(), blob_names.end());
  for (const char* name : {"index.json", "manifest.json", "oci-layout", "repositories"}) expected.push_back(name);
  CHECK(names == expected);

  for (const auto& name : blob_names) {
    auto digest = Digest::parse("sha256:" + name.substr(std::string("blobs/sha256/").size()));
    CHECK(by_name[name].content == read_text(layout.blobs().path_of(digest)));
    CHECK(by_name[name].mode == 0644);
  }
  CHECK(by_name["blobs/"].type == AE_IFDIR);

  auto manifest = json::parse(by_name["manifest.json"].content);
  REQUIRE(manifest.size() == 2);  // nanobot:1.0 and nanobot:latest are one image
  CHECK(manifest[0]["Config"] == blob_path(app.config.digest));
  CHECK(manifest[0]["RepoTags"] == json({"nanobot:1.0", "nanobot:latest"}));
  CHECK(manifest[0]["Layers"] == json({blob_path(app.layers[0].digest), blob_path(app.layers[1].digest)}));
  CHECK(manifest[1]["RepoTags"] == json({"tools/x:2"}));

  auto repositories = json::parse(by_name["repositories"].content);
  CHECK(repositories["nanobot"].contains("1.0"));
  CHECK(repositories["nanobot"].contains("latest"));
  CHECK(repositories["tools/x"].contains("2"));

  auto index = json::parse(by_name["index.json"].content);
  CHECK(index["mediaType"] == media_type::kImageIndex);
  REQUIRE(index["manifests"].size() == 3);
  CHECK(index["manifests"][0]["digest"] == app.manifest.digest.str());
  CHECK(index["manifests"][0]["annotations"][kRefNameAnnotation] == "nanobot:1.0");
  CHECK(json::parse(by_name["oci-layout"].content)["imageLayoutVersion"] == "1.0.0");
}

TEST_CASE("docker-archive bytes depend only on the images", "[docker-archive]") {
  TempDir first_dir, second_dir;
  Layout first(first_dir / "oci"), second(second_dir / "oci");
  first.tag(ImageReference::parse("same:1"), make_image(first, "content").manifest);
  second.tag(ImageReference::parse("same:1"), make_image(second, "content").manifest);
  export_docker_archive(first, {ImageReference::parse("same:1")}, first_dir / "a.tar");
  export_docker_archive(second, {ImageReference::parse("same:1")}, second_dir / "b.tar");
  CHECK(sha256_of_file(first_dir / "a.tar") == sha256_of_file(second_dir / "b.tar"));
}

TEST_CASE("docker-archive export refuses what docker load could not read, keeping the old output",
          "[docker-archive]") {
  TempDir dir;
  Layout layout(dir / "oci");
  auto zstd = make_image(layout, "zstd layer", media_type::kLayerZstd);
  auto good = make_image(layout, "good layer");
  layout.tag(ImageReference::parse("zstd:1"), zstd.manifest);
  layout.tag(ImageReference::parse("good:1"), good.manifest);
  write_text(dir / "out.tar", "previous export");

  CHECK_THROWS_WITH(export_docker_archive(layout, {ImageReference::parse("zstd:1")}, dir / "out.tar"),
                    Catch::Contains(zstd.layers[1].digest.str()) && Catch::Contains("zstd:1") &&
                        Catch::Contains("gzip"));
  CHECK(read_text(dir / "out.tar") == "previous export");

  CHECK_THROWS_WITH(export_docker_archive(layout, {ImageReference::parse("missing:1")}, dir / "out.tar"),
                    Catch::Contains("missing:1"));

  // A blob changed on disk after it was stored: the export fails on its digest.
  write_text(layout.blobs().path_of(good.layers[1].digest), "GOOD LAYER");
  CHECK_THROWS_WITH(export_docker_archive(layout, {ImageReference::parse("good:1")}, dir / "out.tar"),
                    Catch::Contains(good.layers[1].digest.hex));
  CHECK(read_text(dir / "out.tar") == "previous export");
  for (const auto& entry : fs::directory_iterator(dir.path()))
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);

  fs::create_directories(dir / "a-directory");
  CHECK_THROWS_WITH(export_docker_archive(layout, {ImageReference::parse("zstd:1")}, dir / "a-directory"),
                    Catch::Contains("a-directory") && Catch::Contains("is a directory"));
}

TEST_CASE("docker-archive export reports progress in bytes", "[docker-archive]") {
  TempDir dir;
  Layout layout(dir / "oci");
  auto image = make_image(layout, std::string(3 << 20, 'x'));
  layout.tag(ImageReference::parse("big:1"), image.manifest);
  std::vector<nanoforge::ProgressEvent> events;
  export_docker_archive(layout, {ImageReference::parse("big:1")}, dir / "out.tar",
                        [&](const nanoforge::ProgressEvent& event) { events.push_back(event); });
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().finished);
  std::uint64_t total = image.manifest.size + image.config.size + image.layers[0].size + image.layers[1].size;
  CHECK(events.back().total == total);
  CHECK(events.back().done == total);
}
