#include "rootfs/fixups.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

#include "base/error.h"
#include "rootfs/unpack.h"
#include "test_debs.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

const oci::LayerEntry* find_entry(const std::vector<oci::LayerEntry>& entries, const std::string& path) {
  for (const auto& entry : entries)
    if (entry.path == path) return &entry;
  return nullptr;
}

}  // namespace

TEST_CASE("apply_fixups does the maintainer scripts' work on real packages", "[fixups][network]") {
  TempDir dir;
  auto debs = download_debs(dir.path(), "base-files libc6 libc-bin dash bash debianutils ca-certificates tzdata "
                                        "netbase libtinfo6 libgcc-s1");
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  for (const auto& deb : debs) unpack_deb(deb, tree);
  FixupOptions options;
  apply_fixups(tree, options);
  fs::path root = dir / "root";

  // Accounts.
  std::string passwd = read_text(root / "etc/passwd");
  CHECK_THAT(passwd, Catch::StartsWith("root:x:0:0:root:/root:/bin/bash\n"));
  CHECK_THAT(passwd, Catch::Contains("nobody:x:65534:65534:"));
  CHECK_THAT(passwd, Catch::Contains("\nnanobot:x:1000:1000:nanobot:/data:/bin/sh\n"));
  CHECK_THAT(read_text(root / "etc/group"), Catch::Contains("\nnanobot:x:1000:\n"));
  auto entries = tree.entries();
  CHECK(find_entry(entries, "etc/shadow")->mode == 0640);
  CHECK(find_entry(entries, "etc/shadow")->gid == 42);
  // glibc in the tree resolves the runtime user through nsswitch.conf and passwd.
  // (bash's ~user expansion asks glibc's getpwnam.)
  auto id = run("chroot --userspec=1000:1000 " + shell_quote(root.string()) +
                " /bin/bash -c 'echo ~nanobot $UID' 2>&1");
  CHECK(id.output == "/data 1000\n");
  CHECK_THAT(read_text(root / "etc/nsswitch.conf"), Catch::Contains("passwd:") && Catch::Contains("hosts:"));

  // Directories.
  CHECK(find_entry(entries, "tmp")->mode == 01777);
  CHECK(find_entry(entries, "var/tmp")->mode == 01777);
  CHECK(find_entry(entries, "run/lock")->mode == 01777);
  CHECK(find_entry(entries, "root")->mode == 0700);
  CHECK(find_entry(entries, "usr/local/bin")->type == oci::EntryType::Directory);
  const auto* data = find_entry(entries, "data");
  REQUIRE(data);
  CHECK(data->uid == 1000);
  CHECK(data->gid == 1000);

  // Shell and shells (which, debianutils' alternative, is alternatives_test.cc's).
  CHECK(fs::read_symlink(root / "usr/bin/sh") == "dash");
  CHECK_THAT(read_text(root / "etc/shells"), Catch::Contains("\n/bin/dash\n") && Catch::Contains("\n/usr/bin/bash\n"));

  // Timezone.
  CHECK(fs::read_symlink(root / "etc/localtime") == "/usr/share/zoneinfo/Etc/UTC");
  CHECK(read_text(root / "etc/timezone") == "Etc/UTC\n");

  // netbase's files come with the package (no script needed).
  for (const char* file : {"etc/services", "etc/protocols", "etc/rpc", "etc/ethertypes"})
    CHECK(fs::is_regular_file(root / file));

  // CA bundle: one certificate per .crt of the package, in the conf's order.
  std::size_t crt_files = 0;
  for (const auto& item : fs::recursive_directory_iterator(root / "usr/share/ca-certificates"))
    if (item.path().extension() == ".crt") ++crt_files;
  CHECK(crt_files > 100);
  std::string bundle = read_text(root / "etc/ssl/certs/ca-certificates.crt");
  CHECK(count_of(bundle, "-----BEGIN CERTIFICATE-----") == crt_files);
  std::string conf = read_text(root / "etc/ca-certificates.conf");
  CHECK(count_of(conf, "\nmozilla/") == crt_files);
  std::size_t pem_links = 0, hash_links = 0;
  static const std::regex hash_name("[0-9a-f]{8}\\.[0-9]");
  for (const auto& item : fs::directory_iterator(root / "etc/ssl/certs")) {
    auto name = item.path().filename().string();
    if (item.path().extension() == ".pem") ++pem_links;
    if (std::regex_match(name, hash_name)) ++hash_links;
  }
  CHECK(pem_links == crt_files);
  CHECK(hash_links == crt_files);
  // The host's openssl agrees with our hash links: CApath verification of a bundled root works.
  auto first_pem = run("ls " + shell_quote((root / "etc/ssl/certs").string()) + " | grep '\\.pem$' | head -1");
  std::string pem = first_pem.output.substr(0, first_pem.output.size() - 1);
  auto verify = run("cd " + shell_quote(root.string()) + " && openssl verify -CApath etc/ssl/certs "
                    "usr/share/ca-certificates/mozilla/" + pem.substr(0, pem.size() - 4) + ".crt 2>&1");
  CHECK_THAT(verify.output, Catch::EndsWith(": OK\n"));
  CHECK(fs::read_symlink(root / "usr/lib/ssl/certs") == "/etc/ssl/certs");

  // ldconfig: a cache, and no aux-cache.
  CHECK(fs::is_regular_file(root / "etc/ld.so.cache"));
  CHECK_FALSE(fs::exists(root / "var/cache/ldconfig/aux-cache"));

  SECTION("the fix-ups are idempotent") {
    apply_fixups(tree, options);
    CHECK(read_text(root / "etc/ssl/certs/ca-certificates.crt") == bundle);
    CHECK(read_text(root / "etc/passwd") == passwd);
  }
}

TEST_CASE("write_accounts honours a configured user and refuses collisions", "[fixups]") {
  TempDir dir;
  StagingTree tree(dir / "root");
  FixupOptions options;
  options.user = {"agent", 2000, 3000, "/home/agent"};
  write_accounts(tree, options);
  CHECK_THAT(read_text(dir / "root/etc/passwd"), Catch::Contains("\nagent:x:2000:3000:agent:/home/agent:/bin/sh\n"));
  CHECK_THAT(read_text(dir / "root/etc/group"), Catch::Contains("\nagent:x:3000:\n"));
  CHECK_THAT(read_text(dir / "root/etc/passwd"), Catch::StartsWith("root:x:0:0:root:/root:/bin/sh\n"));

  options.user = {"root", 1000, 1000, "/data"};
  CHECK_THROWS_WITH(write_accounts(tree, options), Catch::Contains("'root'"));
  options.user = {"nanobot", 0, 1000, "/data"};
  CHECK_THROWS_WITH(write_accounts(tree, options), Catch::Contains("id 0"));
  options.user = {"Bad Name", 1000, 1000, "/data"};
  CHECK_THROWS_WITH(write_accounts(tree, options), Catch::Contains("'Bad Name'"));
  options.user = {"nanobot", 1000, 1000, "data"};
  CHECK_THROWS_WITH(write_accounts(tree, options), Catch::Contains("absolute"));
}

TEST_CASE("link_bin_sh prefers dash, falls back to bash, and needs one", "[fixups]") {
  TempDir dir;
  StagingTree tree(dir / "root");
  create_merged_usr_layout(tree);
  CHECK_THROWS_WITH(link_bin_sh(tree), Catch::Contains("/bin/sh"));
  tree.write_file("usr/bin/bash", "ELF", {0755, 0, 0}, "test");
  link_bin_sh(tree);
  CHECK(fs::read_symlink(dir / "root/usr/bin/sh") == "bash");
}

TEST_CASE("fix-ups never write through a symlink a package planted", "[fixups]") {
  TempDir dir;
  TempDir outside;
  StagingTree tree(dir / "root");
  fs::create_symlink(outside.path(), dir / "root/etc");
  FixupOptions options;
  CHECK_THROWS_WITH(write_accounts(tree, options), Catch::Contains("etc/passwd") && Catch::Contains("symlink"));
  CHECK(fs::is_empty(outside.path()));
}

TEST_CASE("set_timezone refuses a zone tzdata does not have", "[fixups]") {
  TempDir dir;
  StagingTree tree(dir / "root");
  tree.write_file("usr/share/zoneinfo/Etc/UTC", "TZif", {0644, 0, 0}, "test");
  FixupOptions options;
  options.timezone = "Mars/Olympus";
  CHECK_THROWS_WITH(set_timezone(tree, options), Catch::Contains("Mars/Olympus"));
  options.timezone = "Etc/UTC";
  set_timezone(tree, options);
  CHECK(fs::read_symlink(dir / "root/etc/localtime") == "/usr/share/zoneinfo/Etc/UTC");
}
