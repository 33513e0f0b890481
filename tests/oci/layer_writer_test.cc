// The deterministic tar and write_layer: same content gives the same bytes, whatever the
// disk says about times and owners; the tar reads back as written; bad input names itself.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "base/error.h"
#include "oci/layer_entry.h"
#include "oci/layer_writer.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::oci;
using nanoforge::testing::read_text;
using nanoforge::testing::run;
using nanoforge::testing::shell_quote;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;
namespace fs = std::filesystem;

namespace {

std::string tar_of(std::vector<LayerEntry> entries, std::int64_t epoch = 0) {
  std::string bytes;
  write_tar(std::move(entries), epoch,
            [&](const void* data, std::size_t size) { bytes.append(static_cast<const char*>(data), size); });
  return bytes;
}

struct TarItem {
  std::string path;
  int type = 0;  // AE_IFREG, AE_IFDIR, AE_IFLNK
  unsigned mode = 0;
  std::int64_t uid = -1, gid = -1;
  std::int64_t mtime = -1;
  bool has_atime = false, has_ctime = false;
  std::string uname, gname;
  std::string symlink, hardlink;
  std::string content;
};

std::vector<TarItem> read_tar(const std::string& bytes) {
  archive* reader = archive_read_new();
  archive_read_support_format_tar(reader);
  REQUIRE(archive_read_open_memory(reader, bytes.data(), bytes.size()) == ARCHIVE_OK);
  std::vector<TarItem> items;
  archive_entry* entry;
  int status;
  // A warning: a UTF-8 name that the test's C locale cannot show; the UTF-8 form is read.
  while ((status = archive_read_next_header(reader, &entry)) == ARCHIVE_OK || status == ARCHIVE_WARN) {
    TarItem item;
    // UTF-8 names do not convert to the C locale the tests run in, so read the UTF-8 form.
    if (auto* path = archive_entry_pathname_utf8(entry)) item.path = path;
    else if (auto* raw = archive_entry_pathname(entry)) item.path = raw;
    item.type = archive_entry_filetype(entry);
    item.mode = archive_entry_perm(entry);
    item.uid = archive_entry_uid(entry);
    item.gid = archive_entry_gid(entry);
    item.mtime = archive_entry_mtime(entry);
    item.has_atime = archive_entry_atime_is_set(entry);
    item.has_ctime = archive_entry_ctime_is_set(entry);
    if (auto* name = archive_entry_uname(entry)) item.uname = name;
    if (auto* name = archive_entry_gname(entry)) item.gname = name;
    if (auto* target = archive_entry_symlink(entry)) item.symlink = target;
    if (auto* target = archive_entry_hardlink(entry)) item.hardlink = target;
    char buffer[8192];
    la_ssize_t got;
    while ((got = archive_read_data(reader, buffer, sizeof buffer)) > 0) item.content.append(buffer, got);
    items.push_back(item);
  }
  REQUIRE(status == ARCHIVE_EOF);
  archive_read_free(reader);
  return items;
}

const TarItem& find(const std::vector<TarItem>& items, const std::string& path) {
  for (const auto& item : items)
    if (item.path == path) return item;
  FAIL("no entry " << path << " in the tar");
  throw std::logic_error("unreachable");
}

// A small tree with what layers hold: directories, an executable, a symlink, a hard link.
void make_tree(const fs::path& root) {
  fs::create_directories(root / "bin");
  fs::create_directories(root / "lib/python3.12");
  fs::create_directories(root / "data");
  write_text(root / "bin/tool", "#!/bin/sh\necho tool\n");
  ::chmod((root / "bin/tool").c_str(), 0755);
  write_text(root / "lib/python3.12/os.py", "import sys\n");
  write_text(root / "data/state.json", "{}\n");
  fs::create_symlink("../lib/python3.12/os.py", root / "bin/os-link");
  fs::create_hard_link(root / "bin/tool", root / "bin/tool-again");
  ::chmod((root / "lib").c_str(), 0750);
}

}  // namespace

TEST_CASE("the same tree gives the same tar, whatever times and owners the disk has", "[layer]") {
  TempDir first, second;
  make_tree(first.path());
  make_tree(second.path());
  // Different mtimes, atimes and owners on disk for the second copy.
  for (auto& file : fs::recursive_directory_iterator(second.path())) {
    struct timespec times[2] = {{123456, 0}, {987654321, 5}};
    ::utimensat(AT_FDCWD, file.path().c_str(), times, AT_SYMLINK_NOFOLLOW);
    REQUIRE(::lchown(file.path().c_str(), 4242, 4343) == 0);
  }
  auto a = tar_of(scan_directory(first.path(), "opt/app"));
  auto b = tar_of(scan_directory(second.path(), "opt/app"));
  REQUIRE(a == b);
  REQUIRE(a == tar_of(scan_directory(first.path(), "opt/app")));
  // The epoch is the only time in the tar.
  REQUIRE(a != tar_of(scan_directory(first.path(), "opt/app"), 1700000000));
}

TEST_CASE("the tar reads back with paths, modes, owners and links as given", "[layer]") {
  TempDir tree;
  make_tree(tree.path());
  auto entries = scan_directory(tree.path(), "opt/app", {{"opt/app/data", 1000, 1000}});
  auto bytes = tar_of(entries, 1700000000);
  REQUIRE(bytes.size() % 512 == 0);
  auto items = read_tar(bytes);

  std::vector<std::string> paths;
  for (const auto& item : items) paths.push_back(item.path);
  REQUIRE(paths == std::vector<std::string>{"opt/", "opt/app/", "opt/app/bin/", "opt/app/bin/os-link",
                                            "opt/app/bin/tool", "opt/app/bin/tool-again",
                                            "opt/app/data/", "opt/app/data/state.json",
                                            "opt/app/lib/", "opt/app/lib/python3.12/",
                                            "opt/app/lib/python3.12/os.py"});
  for (const auto& item : items) {
    INFO(item.path);
    REQUIRE(item.mtime == 1700000000);
    REQUIRE_FALSE(item.has_atime);
    REQUIRE_FALSE(item.has_ctime);
    REQUIRE(item.uname.empty());
    REQUIRE(item.gname.empty());
  }
  REQUIRE(find(items, "opt/").mode == 0755);
  REQUIRE(find(items, "opt/").type == AE_IFDIR);
  REQUIRE(find(items, "opt/app/lib/").mode == 0750);
  REQUIRE(find(items, "opt/app/bin/tool").mode == 0755);
  REQUIRE(find(items, "opt/app/bin/tool").content == "#!/bin/sh\necho tool\n");
  REQUIRE(find(items, "opt/app/bin/tool").uid == 0);
  REQUIRE(find(items, "opt/app/bin/tool-again").hardlink == "opt/app/bin/tool");
  REQUIRE(find(items, "opt/app/bin/os-link").type == AE_IFLNK);
  REQUIRE(find(items, "opt/app/bin/os-link").symlink == "../lib/python3.12/os.py");
  REQUIRE(find(items, "opt/app/data/").uid == 1000);
  REQUIRE(find(items, "opt/app/data/state.json").gid == 1000);
  REQUIRE(find(items, "opt/app/lib/python3.12/os.py").mode == 0644);
}

TEST_CASE("GNU tar lists the layer tar as written", "[layer][tools]") {
  TempDir tree, out;
  make_tree(tree.path());
  write_text(out / "layer.tar", tar_of(scan_directory(tree.path(), "srv")));
  auto listing = run("tar -tvf " + shell_quote((out / "layer.tar").string()));
  INFO(listing.output);
  REQUIRE(listing.exit_code == 0);
  REQUIRE(listing.output.find("-rwxr-xr-x 0/0              20 1970-01-01 00:00 srv/bin/tool\n") != std::string::npos);
  REQUIRE(listing.output.find("srv/bin/tool-again link to srv/bin/tool") != std::string::npos);
  REQUIRE(listing.output.find("srv/bin/os-link -> ../lib/python3.12/os.py") != std::string::npos);
  REQUIRE(listing.output.find("drwxr-xr-x 0/0               0 1970-01-01 00:00 srv/\n") != std::string::npos);
}

TEST_CASE("long and non-ASCII names get a PAX path and nothing else", "[layer]") {
  std::string long_name = "usr/lib/python3.12/site-packages/" + std::string(150, 'n') + "/" +
                          std::string(120, 'f') + ".py";
  std::vector<LayerEntry> entries(3);
  entries[0].path = long_name;
  entries[0].data = "x = 1\n";
  entries[1].path = "etc/caf\xc3\xa9.conf";
  entries[1].data = "ok\n";
  entries[2].path = "etc/short";
  entries[2].type = EntryType::Symlink;
  entries[2].link_target = "/" + std::string(140, 't');
  auto bytes = tar_of(entries);
  for (const char* noise : {"LIBARCHIVE.", "SCHILY.", "atime=", "ctime=", "mtime=", "uname=", "gname="}) {
    INFO(noise);
    REQUIRE(bytes.find(noise) == std::string::npos);
  }
  REQUIRE(bytes.find("path=" + long_name + "\n") != std::string::npos);
  REQUIRE(bytes.find("linkpath=/" + std::string(140, 't') + "\n") != std::string::npos);
  auto items = read_tar(bytes);
  REQUIRE(items.size() == 3);
  REQUIRE(find(items, long_name).content == "x = 1\n");
  REQUIRE(find(items, "etc/caf\xc3\xa9.conf").content == "ok\n");
  REQUIRE(find(items, "etc/short").symlink == "/" + std::string(140, 't'));
  // A short ASCII tree needs no extended header at all.
  std::vector<LayerEntry> plain(1);
  plain[0].path = "etc/hostname";
  plain[0].data = "nano\n";
  REQUIRE(tar_of(plain).find("PaxHeader") == std::string::npos);
}

TEST_CASE("hard links are re-pointed so the first in order holds the data", "[layer]") {
  std::vector<LayerEntry> entries(3);
  entries[0].path = "z/original";
  entries[0].data = "shared";
  entries[0].mode = 0700;
  entries[1].path = "a/link";
  entries[1].type = EntryType::Hardlink;
  entries[1].link_target = "z/original";
  entries[2].path = "m/link";
  entries[2].type = EntryType::Hardlink;
  entries[2].link_target = "a/link";  // a link to a link still reaches the content
  auto items = read_tar(tar_of(entries));
  REQUIRE(items.size() == 3);
  REQUIRE(items[0].path == "a/link");
  REQUIRE(items[0].content == "shared");
  REQUIRE(items[0].hardlink.empty());
  REQUIRE(items[0].mode == 0700);
  REQUIRE(items[1].path == "m/link");
  REQUIRE(items[1].hardlink == "a/link");
  REQUIRE(items[2].path == "z/original");
  REQUIRE(items[2].hardlink == "a/link");
}

TEST_CASE("write_layer stores a blob whose digests match the tar", "[layer]") {
  TempDir tree, layout;
  make_tree(tree.path());
  BlobStore store(layout / "blobs");
  auto entries = scan_directory(tree.path(), "app");
  std::string tar = tar_of(entries);
  std::vector<ProgressEvent> events;
  for (auto compression : {Compression::None, Compression::Gzip, Compression::Zstd}) {
    INFO(compression_name(compression));
    events.clear();
    LayerOptions options;
    options.compression = compression;
    auto layer = write_layer(store, entries, options, [&](const ProgressEvent& event) { events.push_back(event); });
    REQUIRE(layer.diff_id == sha256_of(tar));
    REQUIRE(layer.uncompressed_size == tar.size());
    REQUIRE(layer.descriptor.media_type == layer_media_type(compression));
    REQUIRE(layer.descriptor.size == fs::file_size(store.path_of(layer.descriptor.digest)));
    store.verify(layer.descriptor.digest);
    if (compression == Compression::None) REQUIRE(layer.descriptor.digest == layer.diff_id);
    else REQUIRE(layer.descriptor.digest != layer.diff_id);
    REQUIRE_FALSE(events.empty());
    REQUIRE(events.back().finished);
    REQUIRE(events.back().done == tar.size());
  }
  // Nothing but the three blobs: no temporary tar, no leftovers.
  std::size_t files = 0;
  for (auto& file : fs::directory_iterator(layout / "blobs/sha256")) {
    (void)file;
    ++files;
  }
  REQUIRE(files == 3);
}

TEST_CASE("compression names and media types", "[layer]") {
  REQUIRE(parse_compression("gzip") == Compression::Gzip);
  REQUIRE(parse_compression("zstd") == Compression::Zstd);
  REQUIRE(parse_compression("none") == Compression::None);
  REQUIRE_THROWS_WITH(parse_compression("bzip2"), Catch::Contains("bzip2") && Catch::Contains("gzip, zstd or none"));
  REQUIRE(layer_media_type(Compression::Gzip) == "application/vnd.oci.image.layer.v1.tar+gzip");
  REQUIRE(layer_media_type(Compression::Zstd) == "application/vnd.oci.image.layer.v1.tar+zstd");
  REQUIRE(layer_media_type(Compression::None) == "application/vnd.oci.image.layer.v1.tar");
}

TEST_CASE("bad entries are refused with their path named", "[layer][errors]") {
  SECTION("duplicate path") {
    std::vector<LayerEntry> entries(2);
    entries[0].path = "etc/passwd";
    entries[1].path = "/etc//passwd";
    REQUIRE_THROWS_WITH(tar_of(entries), Catch::Contains("duplicate path 'etc/passwd'"));
  }
  SECTION("path escaping the root") {
    std::vector<LayerEntry> entries(1);
    entries[0].path = "../etc/passwd";
    REQUIRE_THROWS_WITH(tar_of(entries), Catch::Contains("../etc/passwd") && Catch::Contains(".."));
  }
  SECTION("hard link to nothing") {
    std::vector<LayerEntry> entries(1);
    entries[0].path = "bin/a";
    entries[0].type = EntryType::Hardlink;
    entries[0].link_target = "bin/missing";
    REQUIRE_THROWS_WITH(tar_of(entries), Catch::Contains("bin/a") && Catch::Contains("bin/missing"));
  }
  SECTION("file vanished after the scan") {
    TempDir tree;
    make_tree(tree.path());
    auto entries = scan_directory(tree.path(), "");
    fs::remove(tree / "data/state.json");
    REQUIRE_THROWS_WITH(tar_of(entries), Catch::Contains((tree / "data/state.json").string()) &&
                                             Catch::Contains("data/state.json"));
  }
  SECTION("file changed size after the scan") {
    TempDir tree;
    make_tree(tree.path());
    auto entries = scan_directory(tree.path(), "");
    write_text(tree / "lib/python3.12/os.py", "import sys, os\n");
    REQUIRE_THROWS_WITH(tar_of(entries), Catch::Contains((tree / "lib/python3.12/os.py").string()) &&
                                             Catch::Contains("changed size"));
  }
  SECTION("a failed layer leaves no blob behind") {
    TempDir tree, layout;
    make_tree(tree.path());
    auto entries = scan_directory(tree.path(), "");
    fs::remove(tree / "bin/tool");
    BlobStore store(layout / "blobs");
    REQUIRE_THROWS_WITH(write_layer(store, entries, LayerOptions{}), Catch::Contains("bin/tool"));
    REQUIRE(fs::is_empty(layout / "blobs/sha256"));
  }
}
