// The OCI library's output judged by tools no one here wrote: skopeo and umoci read the
// layout, podman and docker load the docker-archive and run it, and two builds at
// different times give byte-identical blobs.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "oci/docker_archive.h"
#include "oci/layer_entry.h"
#include "oci/layer_writer.h"
#include "oci/layout.h"
#include "test_support.h"

using namespace nanoforge::testing;
using namespace nanoforge;
using namespace nanoforge::oci;
namespace fs = std::filesystem;

namespace {

const ImageReference kReference = ImageReference::parse("nanoforge-oci-tools/busybox:1");

// A small tree with every kind of entry a layer carries: directories, files, an
// executable, symlinks (absolute and relative), a hard link, a file owned by 1000:1000
// through an owner rule, and a static busybox so engines can run it.
void write_source_tree(const fs::path& root) {
  fs::create_directories(root / "bin");
  fs::copy_file("/bin/busybox", root / "bin/busybox");
  fs::permissions(root / "bin/busybox", fs::perms(0755));
  fs::create_symlink("busybox", root / "bin/sh");
  fs::create_symlink("busybox", root / "bin/echo");
  write_text(root / "etc/greeting", "hello from nanoforge\n");
  fs::create_symlink("/etc/greeting", root / "etc/motd");
  write_text(root / "usr/share/doc/readme.txt", "shared content of two names\n");
  fs::create_hard_link(root / "usr/share/doc/readme.txt", root / "usr/share/doc/readme-link.txt");
  write_text(root / "usr/local/bin/run.sh", "#!/bin/sh\necho run\n");
  fs::permissions(root / "usr/local/bin/run.sh", fs::perms(0755));
  write_text(root / "data/notes.txt", "owned by the app user\n");
  fs::create_directories(root / "data/cache");
  fs::permissions(root / "data/cache", fs::perms(0700));
  fs::create_directories(root / "tmp");
  fs::permissions(root / "tmp", fs::perms(01777));
}

const std::vector<OwnerRule> kOwnerRules = {{"data", 1000, 1000}};

Image build_image(Layout& layout, const fs::path& source) {
  auto keep_blobs = layout.lock_against_gc();
  LayerOptions options;
  options.compression = Compression::Gzip;
  options.epoch = 0;
  auto layer = write_layer(layout.blobs(), scan_directory(source, "", kOwnerRules), options);
  ImageConfig config;
  config.entrypoint = {"/bin/busybox"};
  config.cmd = {"echo", "hello"};
  config.env = {"PATH=/bin"};
  config.labels = {{"org.opencontainers.image.title", "oci tools test"}};
  auto image = store_image(layout.blobs(), config, {layer});
  layout.tag(kReference, image.manifest);
  return image;
}

// What a tree holds, per path: type, permission bits, owner, content or link target.
struct TreeEntry {
  char type = '?';
  unsigned mode = 0;
  unsigned uid = 0, gid = 0;
  std::string content;
  bool operator==(const TreeEntry&) const = default;
};

std::map<std::string, TreeEntry> read_tree(const fs::path& root) {
  std::map<std::string, TreeEntry> tree;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    struct stat info {};
    REQUIRE(::lstat(it->path().c_str(), &info) == 0);
    TreeEntry entry;
    entry.uid = info.st_uid;
    entry.gid = info.st_gid;
    if (S_ISLNK(info.st_mode)) {
      entry.type = 'l';
      entry.content = fs::read_symlink(it->path()).string();
    } else {
      entry.mode = info.st_mode & 07777;
      if (S_ISDIR(info.st_mode)) entry.type = 'd';
      else if (S_ISREG(info.st_mode)) {
        entry.type = 'f';
        entry.content = read_text(it->path());
      }
    }
    // lexically: fs::relative would resolve symlinks and fold bin/sh into bin/busybox.
    tree[it->path().lexically_relative(root).string()] = entry;
  }
  return tree;
}

// The tree the image should unpack to: the source, with owners from the rules.
std::map<std::string, TreeEntry> expected_tree(const fs::path& source) {
  auto tree = read_tree(source);
  for (auto& [path, entry] : tree) {
    bool owned = path == "data" || path.rfind("data/", 0) == 0;
    entry.uid = entry.gid = owned ? 1000 : 0;
  }
  return tree;
}

std::string unique_tag() { return std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr)); }

// Every blob file under a layout's blobs/, by name, with its bytes' digest.
std::map<std::string, std::string> blob_digests(const fs::path& layout) {
  std::map<std::string, std::string> blobs;
  for (const auto& entry : fs::recursive_directory_iterator(layout / "blobs"))
    if (entry.is_regular_file())
      blobs[entry.path().lexically_relative(layout).string()] = sha256_of_file(entry.path()).str();
  return blobs;
}

}  // namespace

TEST_CASE("skopeo inspects and copies the layout", "[oci-tools]") {
  TempDir dir;
  write_source_tree(dir / "src");
  Layout layout(dir / "oci");
  auto image = build_image(layout, dir / "src");
  std::string source = "oci:" + (dir / "oci").string() + ":" + kReference.str();

  auto inspect = run("skopeo inspect " + shell_quote(source));
  INFO(inspect.output);
  REQUIRE(inspect.exit_code == 0);
  auto info = nlohmann::json::parse(inspect.output);
  CHECK(info["Digest"] == image.manifest.digest.str());
  CHECK(info["Architecture"] == "amd64");
  CHECK(info["Os"] == "linux");
  CHECK(info["Layers"] == nlohmann::json({image.layers[0].digest.str()}));
  CHECK(info["Labels"]["org.opencontainers.image.title"] == "oci tools test");

  auto archive = dir / "copied.tar";
  auto copy = run("skopeo copy " + shell_quote(source) + " " +
                  shell_quote("docker-archive:" + archive.string() + ":copied/busybox:1"));
  INFO(copy.output);
  REQUIRE(copy.exit_code == 0);
  auto listing = run("tar -tf " + shell_quote(archive.string()));
  CHECK(listing.output.find("manifest.json") != std::string::npos);
}

TEST_CASE("umoci unpacks the layout to the same tree", "[oci-tools]") {
  if (::geteuid() != 0) NANOFORGE_SKIP("umoci unpack keeps owners only when run as root");
  TempDir dir;
  write_source_tree(dir / "src");
  Layout layout(dir / "oci");
  build_image(layout, dir / "src");
  // umoci splits --image at the first ':' into the layout and the ref.name to look up.
  auto unpack = run("umoci unpack --image " + shell_quote((dir / "oci").string() + ":" + kReference.str()) +
                    " " + shell_quote((dir / "bundle").string()));
  INFO(unpack.output);
  REQUIRE(unpack.exit_code == 0);

  auto rootfs = dir / "bundle" / "rootfs";
  auto actual = read_tree(rootfs);
  auto expected = expected_tree(dir / "src");
  CHECK(expected.size() == 19);  // every entry write_source_tree makes
  std::vector<std::string> actual_paths, expected_paths;
  for (const auto& [path, entry] : actual) actual_paths.push_back(path);
  for (const auto& [path, entry] : expected) expected_paths.push_back(path);
  REQUIRE(actual_paths == expected_paths);
  for (const auto& [path, entry] : expected) {
    INFO(path);
    const auto& got = actual.at(path);
    CHECK(got.type == entry.type);
    CHECK(got.mode == entry.mode);
    CHECK(got.uid == entry.uid);
    CHECK(got.gid == entry.gid);
    CHECK(got.content == entry.content);
  }
  CHECK(actual.at("data/notes.txt").uid == 1000);
  CHECK(actual.at("tmp").mode == 01777);
  // The hard link is a hard link again, not a copy.
  struct stat first {}, second {};
  REQUIRE(::lstat((rootfs / "usr/share/doc/readme.txt").c_str(), &first) == 0);
  REQUIRE(::lstat((rootfs / "usr/share/doc/readme-link.txt").c_str(), &second) == 0);
  CHECK(first.st_ino == second.st_ino);
}

TEST_CASE("podman loads the docker-archive export and runs it", "[oci-tools][podman]") {
  const auto& harness = Harness::get();
  if (!harness.containers_conf) NANOFORGE_SKIP("podman: " + harness.podman_unavailable);
  TempDir dir;
  write_source_tree(dir / "src");
  Layout layout(dir / "oci");
  auto image = build_image(layout, dir / "src");
  auto reference = ImageReference::parse("nanoforge-oci-tools/podman:" + unique_tag());
  layout.tag(reference, image.manifest);
  export_docker_archive(layout, {reference}, dir / "image.tar");

  auto load = run(harness.podman() + " load -i " + shell_quote((dir / "image.tar").string()));
  INFO(load.output);
  REQUIRE(load.exit_code == 0);
  auto hello = run(harness.podman() + " run --rm " + shell_quote(reference.str()) + " /bin/busybox echo hello");
  auto config = run(harness.podman() + " image inspect --format '{{.Id}}' " + shell_quote(reference.str()));
  run(harness.podman() + " rmi -f " + shell_quote(reference.str()));
  INFO(hello.output);
  CHECK(hello.exit_code == 0);
  CHECK(hello.output == "hello\n");
  // Podman's image ID is the config digest: the image it ran is the one we built.
  CHECK(config.output.find(image.config.digest.hex) != std::string::npos);
}

TEST_CASE("docker 20.10 loads the docker-archive export and runs it", "[oci-tools][docker]") {
  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP("docker: " + harness.docker_unavailable);
  TempDir dir;
  write_source_tree(dir / "src");
  Layout layout(dir / "oci");
  auto image = build_image(layout, dir / "src");
  auto reference = ImageReference::parse("nanoforge-oci-tools/docker:" + unique_tag());
  layout.tag(reference, image.manifest);
  export_docker_archive(layout, {reference}, dir / "image.tar");

  auto load = run(harness.docker() + " load -i " + shell_quote((dir / "image.tar").string()));
  INFO(load.output);
  REQUIRE(load.exit_code == 0);
  CHECK(load.output.find("Loaded image: " + reference.str()) != std::string::npos);
  auto hello = run(harness.docker() + " run --rm " + shell_quote(reference.str()));
  auto id = run(harness.docker() + " image inspect --format '{{.Id}}' " + shell_quote(reference.str()));
  auto owner = run(harness.docker() + " run --rm " + shell_quote(reference.str()) + " stat -c %u:%g /data/notes.txt");
  run(harness.docker() + " rmi -f " + shell_quote(reference.str()));
  INFO(hello.output);
  CHECK(hello.exit_code == 0);
  CHECK(hello.output == "hello\n");  // the image's own Entrypoint + Cmd
  CHECK(id.output == image.config.digest.str() + "\n");
  CHECK(owner.output == "1000:1000\n");
}

TEST_CASE("the same tree built twice, at different times and places, gives identical blobs",
          "[oci-tools][reproducible]") {
  TempDir first, second;
  write_source_tree(first / "src");
  Layout first_layout(first / "oci");
  auto first_image = build_image(first_layout, first / "src");
  export_docker_archive(first_layout, {kReference}, first / "image.tar");

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write_source_tree(second / "src");
  // New mtimes on everything, as a later checkout would have.
  for (const auto& entry : fs::recursive_directory_iterator(second / "src"))
    if (!entry.is_symlink()) ::utime(entry.path().c_str(), nullptr);
  Layout second_layout(second / "oci");
  auto second_image = build_image(second_layout, second / "src");
  export_docker_archive(second_layout, {kReference}, second / "image.tar");

  CHECK(first_image.manifest.digest == second_image.manifest.digest);
  CHECK(first_image.layers == second_image.layers);
  auto first_blobs = blob_digests(first / "oci");
  auto second_blobs = blob_digests(second / "oci");
  CHECK(first_blobs.size() == 3);  // manifest, config, one layer
  CHECK(first_blobs == second_blobs);
  for (const auto& [name, digest] : first_blobs)
    if (name.rfind("blobs/sha256/", 0) == 0) CHECK(digest == "sha256:" + name.substr(13));
  CHECK(sha256_of_file(first / "image.tar") == sha256_of_file(second / "image.tar"));
}
