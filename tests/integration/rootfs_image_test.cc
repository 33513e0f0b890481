// The rootfs stage end to end against the real Debian archive: build_rootfs for the
// `standard` and `minimal` profiles, the dpkg database as dpkg-query reads it, the CA bundle,
// sizes, the cached rebuild, and the tree running as an image under Podman and Docker
// (imported from the deterministic layer tar): no Python, uid 1000, curl verifying TLS
// against a server this test starts on 127.0.0.1.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>
#include <unistd.h>

#include "base/digest.h"
#include "base/error.h"
#include "oci/layer_reader.h"
#include "oci/layer_writer.h"
#include "rootfs/python_guard.h"
#include "rootfs/rootfs_builder.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::rootfs;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct BuiltProfile {
  RootfsResult result;
  std::string error;
  double cold_seconds = 0;
  double warm_seconds = 0;
  bool warm_reused = false;
  std::uint64_t tar_bytes = 0;
  std::uint64_t gzip_bytes = 0;
  fs::path tar;
};

TempDir& shared_cache() {
  static TempDir cache("nanoforge-rootfs-cache");
  return cache;
}

// Built once per profile per run; the cases below share it.
BuiltProfile& built(const std::string& profile) {
  static std::map<std::string, BuiltProfile> profiles;
  auto found = profiles.find(profile);
  if (found != profiles.end()) return found->second;
  BuiltProfile& out = profiles[profile];
  try {
    RootfsOptions options;
    options.profile = profile;
    options.lock_file = shared_cache() / (profile + ".lock.json");
    auto start = std::chrono::steady_clock::now();
    out.result = build_rootfs(options, shared_cache().path());
    out.cold_seconds = seconds_since(start);
    start = std::chrono::steady_clock::now();
    RootfsResult again = build_rootfs(options, shared_cache().path());
    out.warm_seconds = seconds_since(start);
    out.warm_reused = again.reused && again.cache_key == out.result.cache_key;
    out.tar = shared_cache() / (profile + ".tar");
    std::ofstream file(out.tar, std::ios::binary);
    oci::write_tar(out.result.entries, 0, [&](const void* data, std::size_t size) {
      file.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
      out.tar_bytes += size;
    });
    file.close();
    auto gzip = run("gzip -6 -c " + shell_quote(out.tar.string()) + " | wc -c");
    out.gzip_bytes = std::stoull(gzip.output);
  } catch (const Error& error) {
    out.error = error.what();
  }
  return out;
}

std::set<std::string> lines(const std::string& text) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.insert(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string megabytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

}  // namespace

TEST_CASE("the standard rootfs builds, is Python-free and dpkg-query lists its packages", "[rootfs][network]") {
  auto& standard = built("standard");
  REQUIRE(standard.error == "");
  const auto& result = standard.result;
  TempDir extracted;  // the cached tree, unpacked for the independent tools below
  oci::extract_layer(result.tree_archive, extracted.path());
  fs::path root = extracted.path();

  std::set<std::string> installed;
  for (const auto& package : result.packages) installed.insert(package.name);
  for (const char* name : {"base-files", "libc6", "bash", "coreutils", "curl", "debianutils", "ca-certificates",
                           "tzdata", "netbase", "libssl3", "libffi8", "libsqlite3-0"})
    CHECK(installed.count(name));
  for (const char* name : {"dpkg", "debconf", "perl-base", "mawk", "tar", "openssl"}) CHECK_FALSE(installed.count(name));
  auto listed = run("dpkg-query --admindir=" + shell_quote((root / "var/lib/dpkg").string()) + " -W -f='${Package}\\n'");
  REQUIRE(listed.exit_code == 0);
  CHECK(lines(listed.output) == installed);

  // No Python anywhere: the guard ran in the build; check the tree independently too.
  auto python = run("cd " + shell_quote(root.string()) +
                    " && find . -name 'python*' -o -name 'libpython*' | grep -v '^./usr/share/doc/' ");
  CHECK(python.output == "");
  for (const auto& entry : result.entries) CHECK_FALSE(python_file_reason(entry).has_value());

  // The CA bundle holds every Mozilla root the package ships.
  auto crt_files = run("find " + shell_quote((root / "usr/share/ca-certificates").string()) + " -name '*.crt' | wc -l");
  auto bundled = run("grep -c 'BEGIN CERTIFICATE' " + shell_quote((root / "etc/ssl/certs/ca-certificates.crt").string()));
  CHECK(std::stoul(crt_files.output) > 100);
  CHECK(std::stoul(bundled.output) == std::stoul(crt_files.output));
  CHECK(result.ca_certificates == std::stoul(crt_files.output));
  CHECK(fs::exists(root / "etc/os-release"));
  CHECK(fs::exists(root / "etc/debian_version"));
  CHECK_FALSE(fs::exists(root / "usr/share/man/man1"));

  // Entries own what the packages say, not the build user; /data belongs to the runtime user.
  bool data_owned = false;
  for (const auto& entry : result.entries)
    if (entry.path == "data") data_owned = entry.uid == 1000 && entry.gid == 1000;
  CHECK(data_owned);

  std::printf("rootfs standard: %zu packages, %llu entries, tree %s, tar %s, gzip %s, slimmed away %s, "
              "%zu CA roots; cold build %.2f s, cached rebuild %.3f s\n",
              result.packages.size(), static_cast<unsigned long long>(result.file_count),
              megabytes(result.installed_bytes).c_str(), megabytes(standard.tar_bytes).c_str(),
              megabytes(standard.gzip_bytes).c_str(), megabytes(result.slimmed_bytes).c_str(),
              result.ca_certificates, standard.cold_seconds, standard.warm_seconds);
  CHECK(standard.warm_reused);
  CHECK(standard.warm_seconds < 1.0);
  CHECK(standard.tar_bytes <= 50'000'000);
  CHECK(standard.gzip_bytes <= 20'000'000);
}

TEST_CASE("the minimal rootfs has dash as /bin/sh and fits in 25 MB", "[rootfs][network]") {
  auto& minimal = built("minimal");
  REQUIRE(minimal.error == "");
  TempDir extracted;
  oci::extract_layer(minimal.result.tree_archive, extracted.path());
  fs::path root = extracted.path();
  CHECK(fs::read_symlink(root / "usr/bin/sh") == "dash");
  CHECK_FALSE(fs::exists(root / "usr/bin/bash"));
  std::printf("rootfs minimal: %zu packages, tree %s, tar %s, gzip %s\n", minimal.result.packages.size(),
              megabytes(minimal.result.installed_bytes).c_str(), megabytes(minimal.tar_bytes).c_str(),
              megabytes(minimal.gzip_bytes).c_str());
  // The files themselves within 25 MB; the tar (512-byte headers and padding) within 25 MiB.
  CHECK(minimal.result.installed_bytes <= 25'000'000);
  CHECK(minimal.tar_bytes <= 25u * 1024 * 1024);
  auto sh = run("chroot --userspec=1000:1000 " + shell_quote(root.string()) + " /bin/sh -c 'echo $((6*7))'");
  CHECK(sh.output == "42\n");
}

TEST_CASE("a tree assembled on disk instead of in RAM archives to the same bytes", "[rootfs][network]") {
  auto& minimal = built("minimal");
  REQUIRE(minimal.error == "");
  // Same packages and lock, a cache of its own (so nothing is reused), the scratch tree on /tmp.
  TempDir cache("nanoforge-rootfs-disk-cache");
  fs::copy(shared_cache() / "debs", cache / "debs", fs::copy_options::recursive);
  TempDir scratch("nanoforge-rootfs-scratch");
  RootfsOptions options;
  options.profile = "minimal";
  options.lock_file = shared_cache() / "minimal.lock.json";
  options.scratch_dir = scratch.path();
  RootfsResult on_disk = build_rootfs(options, cache.path());
  CHECK_FALSE(on_disk.reused);
  CHECK(on_disk.cache_key == minimal.result.cache_key);
  CHECK(sha256_of_file(on_disk.tree_archive).str() == sha256_of_file(minimal.result.tree_archive).str());
  CHECK(on_disk.entries.size() == minimal.result.entries.size());
  CHECK(fs::is_empty(scratch.path()));  // the assembled tree is gone once archived
}

namespace {

// A test CA and a server certificate for 127.0.0.1 signed by it, made with the host's openssl.
void make_test_pki(const fs::path& dir) {
  std::string d = shell_quote(dir.string());
  auto made = run("cd " + d +
                  " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
                  "-subj '/CN=nanoforge test CA' 2>&1"
                  " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
                  "-subj '/CN=127.0.0.1' 2>&1"
                  " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
                  " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                  "-out server.pem -days 2 -extfile san.ext 2>&1");
  REQUIRE(made.exit_code == 0);
}

void check_image_under(const std::string& engine, const std::string& name, const fs::path& tar,
                       const fs::path& pki, int port) {
  std::string image = "localhost/nanoforge-rootfs-test:" + name;
  auto imported = run(engine + " import " + shell_quote(tar.string()) + " " + image + " 2>&1");
  REQUIRE(imported.exit_code == 0);
  std::string run_prefix = engine + " run --rm --network host --user 1000:1000 -v " +
                           shell_quote(pki.string()) + ":/pki:ro " + image + " ";

  auto which = run(run_prefix + "which python");
  CHECK(which.exit_code != 0);
  CHECK(which.output == "");
  auto which3 = run(run_prefix + "which python3");
  CHECK(which3.exit_code != 0);

  auto id = run(run_prefix + "bash -c 'ls /; id'");
  CHECK(id.exit_code == 0);
  CHECK_THAT(id.output, Catch::Contains("uid=1000(nanobot) gid=1000(nanobot)"));
  CHECK_THAT(id.output, Catch::Contains("usr\n") && Catch::Contains("data\n"));

  std::string url = "https://127.0.0.1:" + std::to_string(port) + "/";
  auto refused = run(run_prefix + "curl -sS -o /dev/null " + url + " 2>&1");
  CHECK(refused.exit_code == 60);  // CURLE_PEER_FAILED_VERIFICATION
  CHECK_THAT(refused.output, Catch::Contains("certificate"));
  auto accepted = run(run_prefix + "curl -sS -o /dev/null -w '%{http_code}' --cacert /pki/ca.pem " + url + " 2>&1");
  CHECK(accepted.exit_code == 0);
  CHECK(accepted.output == "200");
  run(engine + " rmi " + image + " >/dev/null 2>&1");
}

}  // namespace

TEST_CASE("the standard rootfs runs under Podman and Docker and verifies TLS", "[rootfs][network][engines]") {
  auto& standard = built("standard");
  REQUIRE(standard.error == "");
  TempDir pki("nanoforge-pki");
  make_test_pki(pki.path());
  // A TLS server on loopback with the test CA's certificate.
  int port = 20000 + static_cast<int>(::getpid() % 20000);
  std::string server_log = (pki / "server.log").string();
  auto started = run("cd " + shell_quote(pki.path().string()) + " && (openssl s_server -accept 127.0.0.1:" +
                     std::to_string(port) + " -cert server.pem -key server.key -www > " + shell_quote(server_log) +
                     " 2>&1 & echo $! > server.pid)");
  REQUIRE(started.exit_code == 0);
  struct Stop {
    fs::path pid_file;
    ~Stop() { run("kill $(cat " + shell_quote(pid_file.string()) + ") 2>/dev/null"); }
  } stop{pki / "server.pid"};
  for (int i = 0; i < 50 && run("curl -sk -o /dev/null https://127.0.0.1:" + std::to_string(port) + "/").exit_code != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));

  const auto& harness = Harness::get();
  SECTION("podman") {
    if (!harness.containers_conf) NANOFORGE_SKIP("podman unavailable: " + harness.podman_unavailable);
    check_image_under(harness.podman(), "podman", standard.tar, pki.path(), port);
  }
  SECTION("docker") {
    if (!harness.docker_host) NANOFORGE_SKIP("docker unavailable: " + harness.docker_unavailable);
    check_image_under(harness.docker(), "docker", standard.tar, pki.path(), port);
  }
}
