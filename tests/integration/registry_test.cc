// `nanoforge push`, `pull` and `login` against real registries (Debian's docker-registry,
// the CNCF distribution registry): anonymous, htpasswd Basic auth and token auth through a
// token server the test runs; images pulled back by skopeo, Docker and Podman and run;
// a fault-injecting proxy (tests/tools/fault_proxy.py) in between, also answering with its
// Locations, blob redirects and token realm in every form RFC 3986 allows; a push killed and
// resumed; bad input. Credentials never appear in what nanoforge prints.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "oci/layer_entry.h"
#include "oci/layer_writer.h"
#include "oci/layout.h"
#include "test_support.h"

using namespace nanoforge::testing;
using namespace nanoforge;
using namespace nanoforge::oci;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A background process started by the test, stopped (by its pid) when the object goes.
class Process {
 public:
  Process(const std::string& command, const fs::path& log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Process() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status;
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

 private:
  pid_t pid_ = -1;
};

// Waits until `command` prints `expected` (e.g. an HTTP status from curl -w).
bool wait_until(const std::string& command, const std::string& expected, int seconds = 30) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (run(command).output.find(expected) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

std::string read_port_file(const fs::path& file, int seconds = 20) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(file)) return read_text(file);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("no port file " << file);
  return "";
}

// A docker-registry of our own on a free loopback port, with `auth` YAML (or none),
// optionally serving TLS with the given certificate.
class TestRegistry {
 public:
  explicit TestRegistry(const std::string& auth_yaml = "", const fs::path& tls_cert = {}, const fs::path& tls_key = {})
      : dir_("nanoforge-registry") {
    int port = free_local_port();
    address_ = "127.0.0.1:" + std::to_string(port);
    std::string config = "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: " +
                         (dir_ / "data").string() + "\n  delete:\n    enabled: true\nhttp:\n  addr: " + address_ + "\n";
    if (!tls_cert.empty())
      config += "  tls:\n    certificate: " + tls_cert.string() + "\n    key: " + tls_key.string() + "\n";
    config += auth_yaml;
    write_text(dir_ / "config.yml", config);
    process_ = std::make_unique<Process>("docker-registry serve " + shell_quote((dir_ / "config.yml").string()),
                                         dir_ / "log");
    std::string scheme = tls_cert.empty() ? "http" : "https";
    // 200 for an open registry, 401 for one that wants credentials: either means it is up.
    if (!wait_until("case $(curl -sk -o /dev/null -w '%{http_code}' " + scheme + "://" + address_ +
                        "/v2/) in 200|401) echo up;; esac",
                    "up"))
      FAIL("registry did not start: " << read_text(dir_ / "log"));
  }
  const std::string& address() const { return address_; }
  std::string log() const { return read_text(dir_ / "log"); }

 private:
  TempDir dir_;
  std::string address_;
  std::unique_ptr<Process> process_;
};

fs::path tools_dir() { return source_dir() / "tests" / "tools"; }

class FaultProxy {
 public:
  FaultProxy(const std::string& upstream, const std::string& arguments) : dir_("nanoforge-proxy") {
    process_ = std::make_unique<Process>("/usr/bin/python3 " + shell_quote((tools_dir() / "fault_proxy.py").string()) +
                                             " --upstream " + upstream + " --port-file " +
                                             shell_quote((dir_ / "port").string()) + " " + arguments,
                                         dir_ / "log");
    address_ = "127.0.0.1:" + read_port_file(dir_ / "port");
  }
  const std::string& address() const { return address_; }
  json stats() const { return json::parse(run("curl -s http://" + address_ + "/__proxy/stats").output); }

 private:
  TempDir dir_;
  std::string address_;
  std::unique_ptr<Process> process_;
};

// The result of one nanoforge run, stdout and stderr apart (--json goes to stdout).
struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
  json parsed() const { return json::parse(out); }
};

// Runs nanoforge with a private HOME, cache and credential files so tests never read or
// write the user's.
class Nanoforge {
 public:
  Nanoforge() : home_("nanoforge-home") { fs::create_directories(home_ / ".docker"); }
  const fs::path& home() const { return home_.path(); }
  // `environment`: more NAME=value words for env(1).
  Run operator()(const std::string& arguments, const std::string& stdin_text = "",
                 const std::string& environment = "") const {
    auto err = home_ / "stderr";
    std::string input = stdin_text.empty() ? "</dev/null" : "<" + shell_quote((home_ / "stdin").string());
    if (!stdin_text.empty()) write_text(home_ / "stdin", stdin_text);
    auto result = run("env -u REGISTRY_AUTH_FILE -u XDG_RUNTIME_DIR -u DOCKER_CONFIG HOME=" +
                      shell_quote(home_.path().string()) + " XDG_CACHE_HOME=" + shell_quote((home_ / "cache").string()) +
                      " " + environment + " " + shell_quote(nanoforge_binary()) + " " + arguments + " " + input + " 2>" +
                      shell_quote(err.string()));
    return Run{result.exit_code, result.output, read_text(err)};
  }

 private:
  TempDir home_;
};

const std::string kBusybox = "nanoforge-registry/busybox:1";

// A runnable image: a static busybox with sh/echo links, and a config that echoes.
Descriptor build_busybox_image(Layout& layout, const std::string& reference = kBusybox) {
  TempDir source("nanoforge-busybox");
  fs::create_directories(source / "bin");
  fs::copy_file("/bin/busybox", source / "bin/busybox");
  fs::permissions(source / "bin/busybox", fs::perms(0755));
  fs::create_symlink("busybox", source / "bin/sh");
  fs::create_symlink("busybox", source / "bin/echo");
  write_text(source / "etc/greeting", "hello from a pushed image\n");
  auto keep = layout.lock_against_gc();
  LayerOptions options;
  auto base = write_layer(layout.blobs(), scan_directory(source.path(), ""), options);
  TempDir extra("nanoforge-extra");
  write_text(extra / "etc/second-layer", "second\n");
  auto second = write_layer(layout.blobs(), scan_directory(extra.path(), ""), options);
  ImageConfig config;
  config.entrypoint = {"/bin/busybox"};
  config.cmd = {"cat", "/etc/greeting"};
  config.env = {"PATH=/bin"};
  auto image = store_image(layout.blobs(), config, {base, second});
  layout.tag(ImageReference::parse(reference), image.manifest);
  return image.manifest;
}

// An image with incompressible, uncompressed layers of the given sizes in MB.
Descriptor build_random_image(Layout& layout, const std::string& reference, std::vector<int> megabytes, unsigned seed) {
  std::mt19937_64 generator(seed);
  auto keep = layout.lock_against_gc();
  std::vector<Layer> layers;
  for (std::size_t n = 0; n < megabytes.size(); ++n) {
    TempDir source("nanoforge-random");
    std::string data(static_cast<std::size_t>(megabytes[n]) << 20, '\0');
    for (std::size_t i = 0; i + 8 <= data.size(); i += 8) {
      auto value = generator();
      std::memcpy(&data[i], &value, 8);
    }
    write_text(source / ("payload-" + std::to_string(n) + ".bin"), data);
    LayerOptions options;
    options.compression = Compression::None;
    layers.push_back(write_layer(layout.blobs(), scan_directory(source.path(), ""), options));
  }
  ImageConfig config;
  config.cmd = {"/payload-0.bin"};
  auto image = store_image(layout.blobs(), config, layers);
  layout.tag(ImageReference::parse(reference), image.manifest);
  return image.manifest;
}

std::string sha256_of_path(const fs::path& path) {
  return run("sha256sum " + shell_quote(path.string()) + " | cut -d' ' -f1").output;
}

// The digest skopeo sees for a reference in a registry.
std::string skopeo_digest(const std::string& reference, const std::string& extra = "") {
  auto result = run("skopeo inspect --tls-verify=false " + extra + " --format '{{.Digest}}' docker://" + reference);
  return result.exit_code == 0 ? result.output.substr(0, result.output.find('\n')) : "missing: " + result.output;
}

std::string layout_of(const TempDir& dir) { return "--layout " + shell_quote((dir / "oci").string()); }

}  // namespace

TEST_CASE("push to a registry, re-push, mount, tags, and pull back with skopeo and nanoforge", "[registry]") {
  const auto& harness = Harness::get();
  if (!harness.registry) NANOFORGE_SKIP(harness.registry_unavailable);
  const std::string registry = *harness.registry;
  TempDir dir("nanoforge-push");
  Layout layout(dir / "oci");
  auto manifest = build_busybox_image(layout);
  auto index_before = sha256_of_path(dir / "oci/index.json");
  Nanoforge nanoforge;
  std::string repository = registry + "/push-test/busybox-" + std::to_string(std::random_device{}());

  auto first = nanoforge(layout_of(dir) + " --json push " + kBusybox + " " + repository +
                         ":1.0 --also-tag latest --also-tag stable --insecure-registry " + registry +
                         " --digest-file " + shell_quote((dir / "digest").string()));
  INFO(first.all());
  REQUIRE(first.exit_code == 0);
  auto report = first.parsed();
  CHECK(report["digest"] == manifest.digest.str());
  CHECK(read_text(dir / "digest") == manifest.digest.str() + "\n");
  CHECK(report["references"].size() == 3);
  // Three tags, each blob once: exactly the image's blob bytes went out.
  CHECK(report["blobBytesSent"] == report["blobBytesTotal"]);
  CHECK(report["blobsUploaded"] == 3);  // config and two layers
  for (const char* tag : {":1.0", ":latest", ":stable"}) CHECK(skopeo_digest(repository + tag) == manifest.digest.str());
  CHECK(sha256_of_path(dir / "oci/index.json") == index_before);  // the layout was only read

  SECTION("an unchanged re-push sends no blob bytes") {
    auto again = nanoforge(layout_of(dir) + " --json push " + kBusybox + " " + repository + ":1.0 --insecure-registry " + registry);
    INFO(again.all());
    REQUIRE(again.exit_code == 0);
    CHECK(again.parsed()["blobBytesSent"] == 0);
    CHECK(again.parsed()["blobsSkipped"] == 3);
  }
  SECTION("a push to a new repository of the registry mounts instead of uploading") {
    auto other = repository + "-copy";
    auto mounted = nanoforge(layout_of(dir) + " --json push " + kBusybox + " " + other + ":1.0 --insecure-registry " + registry);
    INFO(mounted.all());
    REQUIRE(mounted.exit_code == 0);
    CHECK(mounted.parsed()["blobBytesSent"] == 0);
    CHECK(mounted.parsed()["blobsMounted"] == 3);
    CHECK(skopeo_digest(other + ":1.0") == manifest.digest.str());
  }
  SECTION("ten tags of the same image send one image's bytes") {
    std::string tags;
    for (int i = 0; i < 9; ++i) tags += " --also-tag t" + std::to_string(i);
    Nanoforge fresh;  // no memory of earlier pushes, so nothing can be mounted
    auto ten = fresh(layout_of(dir) + " --json push " + kBusybox + " " + repository + "-ten:1.0" + tags +
                         " --insecure-registry " + registry);
    INFO(ten.all());
    REQUIRE(ten.exit_code == 0);
    CHECK(ten.parsed()["references"].size() == 10);
    CHECK(ten.parsed()["blobBytesSent"] == ten.parsed()["blobBytesTotal"]);
    CHECK(skopeo_digest(repository + "-ten:t8") == manifest.digest.str());
  }
  SECTION("with --quiet, push and pull print nothing on success (the output contract)") {
    auto pushed = nanoforge(layout_of(dir) + " --quiet push " + kBusybox + " " + repository + ":quiet --insecure-registry " + registry);
    INFO(pushed.all());
    REQUIRE(pushed.exit_code == 0);
    CHECK(pushed.all().empty());
    TempDir other("nanoforge-quiet-pull");
    auto pulled = nanoforge("--layout " + shell_quote((other / "oci").string()) + " --quiet pull " + repository +
                            ":quiet copy/busybox:1 --insecure-registry " + registry);
    INFO(pulled.all());
    REQUIRE(pulled.exit_code == 0);
    CHECK(pulled.all().empty());
    CHECK(Layout(other / "oci").load(ImageReference::parse("copy/busybox:1")).manifest.digest == manifest.digest);
  }
  SECTION("skopeo copies the pushed image into an OCI layout with the same digest") {
    TempDir copy("nanoforge-skopeo");
    auto result = run("skopeo copy --src-tls-verify=false docker://" + repository + ":1.0 oci:" + (copy / "oci").string() + ":copy");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    auto index = json::parse(read_text(copy / "oci/index.json"));
    CHECK(index["manifests"][0]["digest"] == manifest.digest.str());
  }
  SECTION("nanoforge pulls it back into another layout, byte for byte") {
    TempDir other("nanoforge-pull");
    auto pulled = nanoforge("--layout " + shell_quote((other / "oci").string()) + " --json pull " + repository +
                            ":1.0 copy/busybox:1 --insecure-registry " + registry);
    INFO(pulled.all());
    REQUIRE(pulled.exit_code == 0);
    CHECK(pulled.parsed()["digest"] == manifest.digest.str());
    Layout copy(other / "oci");
    auto image = copy.load(ImageReference::parse("copy/busybox:1"));
    CHECK(image.manifest.digest == manifest.digest);
    for (const auto& layer : image.layers) CHECK_NOTHROW(copy.blobs().verify(layer.digest));
    // Pulling by digest into the same layout fetches nothing new.
    auto again = nanoforge("--layout " + shell_quote((other / "oci").string()) + " --json pull " + repository + "@" +
                           manifest.digest.str() + " copy/busybox:2 --insecure-registry " + registry);
    REQUIRE(again.exit_code == 0);
    CHECK(again.parsed()["blobBytesReceived"] == 0);
  }
}

TEST_CASE("a pushed image is pulled and run by Docker and Podman", "[registry][engines]") {
  const auto& harness = Harness::get();
  if (!harness.registry) NANOFORGE_SKIP(harness.registry_unavailable);
  TempDir dir("nanoforge-run");
  Layout layout(dir / "oci");
  build_busybox_image(layout);
  Nanoforge nanoforge;
  std::string reference = *harness.registry + "/push-test/runnable:" + std::to_string(std::random_device{}() % 100000);
  auto pushed = nanoforge(layout_of(dir) + " push " + kBusybox + " " + reference + " --insecure-registry " + *harness.registry);
  INFO(pushed.all());
  REQUIRE(pushed.exit_code == 0);
  SECTION("docker") {
    if (!harness.docker_host) NANOFORGE_SKIP(harness.docker_unavailable);
    auto result = run(harness.docker() + " pull " + reference + " && " + harness.docker() + " run --rm " + reference);
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(result.output.find("hello from a pushed image") != std::string::npos);
    run(harness.docker() + " rmi " + reference);
  }
  SECTION("podman") {
    if (!harness.containers_conf) NANOFORGE_SKIP(harness.podman_unavailable);
    auto result = run(harness.podman() + " pull --tls-verify=false " + reference + " && " + harness.podman() +
                      " run --rm " + reference);
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(result.output.find("hello from a pushed image") != std::string::npos);
    run(harness.podman() + " rmi " + reference);
  }
}

TEST_CASE("htpasswd Basic auth: login, push, wrong password, no credentials", "[registry][auth]") {
  TempDir auth("nanoforge-htpasswd");
  const std::string password = "s3cret-Pa55word";
  REQUIRE(run("htpasswd -Bbn alice " + password + " > " + shell_quote((auth / "htpasswd").string())).exit_code == 0);
  TestRegistry registry("auth:\n  htpasswd:\n    realm: nanoforge-test\n    path: " + (auth / "htpasswd").string() + "\n");
  // The proxy counts what nanoforge sends, to show a refused password is not retried.
  FaultProxy proxy(registry.address(), "");
  TempDir dir("nanoforge-basic");
  Layout layout(dir / "oci");
  auto manifest = build_busybox_image(layout);
  Nanoforge nanoforge;
  std::string target = proxy.address() + "/private/busybox:1";
  std::string flags = " --insecure-registry " + proxy.address();
  // base64("alice:" + password), which must not leak either.
  std::string encoded = run("printf %s " + shell_quote("alice:" + password) + " | base64 -w0").output;

  auto anonymous = nanoforge(layout_of(dir) + " push " + kBusybox + " " + target + flags);
  CHECK(anonymous.exit_code != 0);
  CHECK(anonymous.err.find("requires authentication") != std::string::npos);
  CHECK(anonymous.err.find("nanoforge login") != std::string::npos);

  auto before = proxy.stats()["requests"].get<int>();
  auto wrong = nanoforge("login " + proxy.address() + " -u alice --password-stdin" + flags, "not-the-password\n");
  CHECK(wrong.exit_code != 0);
  CHECK(wrong.err.find("refused the credentials of user 'alice'") != std::string::npos);
  CHECK(wrong.all().find("not-the-password") == std::string::npos);
  CHECK(proxy.stats()["requests"].get<int>() - before <= 3);  // ping, one try: no retry storm
  CHECK_FALSE(fs::exists(nanoforge.home() / ".docker/config.json"));

  auto login = nanoforge("--json login " + proxy.address() + " -u alice --password-stdin" + flags, password + "\n");
  INFO(login.all());
  REQUIRE(login.exit_code == 0);
  auto config = json::parse(read_text(nanoforge.home() / ".docker/config.json"));
  CHECK(config["auths"][proxy.address()]["auth"] == encoded);
  CHECK((fs::status(nanoforge.home() / ".docker/config.json").permissions() & fs::perms::others_read) == fs::perms::none);

  auto pushed = nanoforge(layout_of(dir) + " --json push " + kBusybox + " " + target + flags);
  INFO(pushed.all());
  REQUIRE(pushed.exit_code == 0);
  CHECK(pushed.parsed()["digest"] == manifest.digest.str());
  for (const auto& secret : {password, encoded}) CHECK(pushed.all().find(secret) == std::string::npos);
  CHECK(skopeo_digest(target, "--creds alice:" + shell_quote(password)) == manifest.digest.str());

  SECTION("credentials from $REGISTRY_AUTH_FILE (containers auth.json) are used") {
    fs::remove(nanoforge.home() / ".docker/config.json");
    write_text(dir / "auth.json", json{{"auths", {{proxy.address(), {{"auth", encoded}}}}}}.dump());
    TempDir other("nanoforge-pull-basic");
    auto pulled = nanoforge("--layout " + shell_quote((other / "oci").string()) + " pull " + target + " copy:1" + flags,
                            "", "REGISTRY_AUTH_FILE=" + shell_quote((dir / "auth.json").string()));
    INFO(pulled.all());
    CHECK(pulled.exit_code == 0);
    CHECK(Layout(other / "oci").find(ImageReference::parse("copy:1")).has_value());
  }
  SECTION("a credential helper named by credHelpers is asked") {
    write_text(nanoforge.home() / "bin/docker-credential-nanotest",
               "#!/bin/sh\nread server\n[ \"$server\" = " + proxy.address() +
                   " ] || { echo 'credentials not found in native keychain'; exit 1; }\n"
                   "printf '{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"%s\"}' \"$server\" " +
                   shell_quote(password) + "\n");
    fs::permissions(nanoforge.home() / "bin/docker-credential-nanotest", fs::perms(0755));
    write_text(nanoforge.home() / ".docker/config.json",
               json{{"credHelpers", {{proxy.address(), "nanotest"}}}}.dump());
    auto result = nanoforge(layout_of(dir) + " push " + kBusybox + " " + proxy.address() + "/private/helper:1" + flags,
                            "", "PATH=" + shell_quote((nanoforge.home() / "bin").string()) + ":\"$PATH\"");
    INFO(result.all());
    CHECK(result.exit_code == 0);
    CHECK(result.all().find(password) == std::string::npos);
    CHECK(skopeo_digest(proxy.address() + "/private/helper:1", "--creds alice:" + shell_quote(password)) ==
          manifest.digest.str());
  }
}

TEST_CASE("token auth: a token server signs RS256 JWTs the registry verifies", "[registry][auth]") {
  TempDir auth("nanoforge-token");
  REQUIRE(run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=nanoforge-token-test -keyout " +
              shell_quote((auth / "key.pem").string()) + " -out " + shell_quote((auth / "cert.pem").string()) +
              " 2>&1")
              .exit_code == 0);
  const std::string password = "t0ken-Pa55";
  Process token_server("/usr/bin/python3 " + shell_quote((tools_dir() / "token_server.py").string()) + " --key " +
                           shell_quote((auth / "key.pem").string()) + " --cert " +
                           shell_quote((auth / "cert.pem").string()) +
                           " --issuer nanoforge-test-issuer --service nanoforge-test-registry --user alice:" +
                           password + " --user reader:" + password + " --pull-only reader --port-file " +
                           shell_quote((auth / "port").string()),
                       auth / "token.log");
  std::string token_port = read_port_file(auth / "port");
  std::string realm = "http://127.0.0.1:" + token_port + "/token";
  TestRegistry registry("auth:\n  token:\n    realm: " + realm +
                        "\n    service: nanoforge-test-registry\n    issuer: nanoforge-test-issuer\n"
                        "    rootcertbundle: " + (auth / "cert.pem").string() + "\n");
  TempDir dir("nanoforge-token-push");
  Layout layout(dir / "oci");
  auto manifest = build_busybox_image(layout);
  Nanoforge nanoforge;
  std::string flags = " --insecure-registry " + registry.address();
  std::string target = registry.address() + "/team/busybox:1";

  auto anonymous = nanoforge(layout_of(dir) + " push " + kBusybox + " " + target + flags);
  CHECK(anonymous.exit_code != 0);
  CHECK(anonymous.err.find("requires authentication") != std::string::npos);

  auto wrong = nanoforge("login " + registry.address() + " -u alice --password-stdin" + flags, "wrong\n");
  CHECK(wrong.exit_code != 0);
  CHECK(wrong.err.find("refused the credentials") != std::string::npos);

  auto quiet_login = nanoforge("--quiet login " + registry.address() + " -u alice --password-stdin" + flags, password + "\n");
  REQUIRE(quiet_login.exit_code == 0);
  CHECK(quiet_login.all().empty());  // the output contract: nothing on success
  auto pushed = nanoforge(layout_of(dir) + " --json push " + kBusybox + " " + target + " --also-tag latest" + flags);
  INFO(pushed.all());
  REQUIRE(pushed.exit_code == 0);
  CHECK(pushed.parsed()["digest"] == manifest.digest.str());
  CHECK(pushed.all().find(password) == std::string::npos);
  CHECK(pushed.all().find("eyJ") == std::string::npos);  // no JWT in the output
  CHECK(skopeo_digest(target, "--creds alice:" + password) == manifest.digest.str());

  // A new repository: the mount needs pull on the source and push on the target, a wider
  // scope than the tokens held so far.
  auto mounted = nanoforge(layout_of(dir) + " --json push " + kBusybox + " " + registry.address() + "/team/copy:1" + flags);
  INFO(mounted.all());
  REQUIRE(mounted.exit_code == 0);
  CHECK(mounted.parsed()["blobsMounted"] == 3);
  CHECK(mounted.parsed()["blobBytesSent"] == 0);

  // A realm relative to the URL that challenged: the proxy moves it onto itself as "../token"
  // (relative to /v2/, deeper for the upload paths) and passes /token on to the token server.
  FaultProxy relative_realm(registry.address(), "--realm-form relative --route /token=127.0.0.1:" + token_port);
  std::string proxy_flags = " --insecure-registry " + relative_realm.address();
  auto proxy_login = nanoforge("login " + relative_realm.address() + " -u alice --password-stdin" + proxy_flags, password + "\n");
  INFO(proxy_login.all());
  REQUIRE(proxy_login.exit_code == 0);
  auto through = nanoforge(layout_of(dir) + " --json push " + kBusybox + " " + relative_realm.address() + "/team/realm:1" + proxy_flags);
  INFO(through.all());
  REQUIRE(through.exit_code == 0);
  CHECK(relative_realm.stats()["realms_rewritten"].get<int>() > 0);
  CHECK(skopeo_digest(registry.address() + "/team/realm:1", "--creds alice:" + password) == manifest.digest.str());

  SECTION("a user allowed to pull only gets a clear error on push") {
    REQUIRE(nanoforge("login " + registry.address() + " -u reader --password-stdin" + flags, password + "\n").exit_code == 0);
    auto denied = nanoforge(layout_of(dir) + " push " + kBusybox + " " + registry.address() + "/team/other:1" + flags);
    CHECK(denied.exit_code != 0);
    CHECK(denied.err.find("denied user 'reader'") != std::string::npos);
    CHECK(denied.all().find(password) == std::string::npos);
    TempDir other("nanoforge-token-pull");
    auto pulled = nanoforge("--layout " + shell_quote((other / "oci").string()) + " pull " + target + " copy:1" + flags);
    INFO(pulled.all());
    CHECK(pulled.exit_code == 0);
  }
}

TEST_CASE("pushes through a proxy injecting 500s, 429s, dropped connections and slow answers", "[registry][faults]") {
  const auto& harness = Harness::get();
  if (!harness.registry) NANOFORGE_SKIP(harness.registry_unavailable);
  FaultProxy proxy(*harness.registry, "--fault-rate 0.3 --retry-after 1 --slow-ms 800 --latency-ms 5 --seed 3");
  TempDir dir("nanoforge-faults");
  Layout layout(dir / "oci");
  auto busybox = build_busybox_image(layout);
  auto random = build_random_image(layout, "nanoforge-registry/random:1", {12}, 11);
  Nanoforge nanoforge;
  std::string flags = " --insecure-registry " + proxy.address() + " --retries 10";
  std::string repository = proxy.address() + "/faults/image-" + std::to_string(std::random_device{}() % 100000);

  for (const auto& [local, digest] : {std::pair{kBusybox, busybox.digest}, std::pair{std::string("nanoforge-registry/random:1"), random.digest}}) {
    auto pushed = nanoforge(layout_of(dir) + " --json push " + local + " " + repository + ":" +
                            local.substr(local.find(':') + 1) + flags);
    INFO(pushed.all());
    REQUIRE(pushed.exit_code == 0);
    CHECK(pushed.parsed()["digest"] == digest.str());
  }
  auto stats = proxy.stats();
  INFO(stats.dump());
  CHECK(stats["500"].get<int>() + stats["429"].get<int>() + stats["drop"].get<int>() + stats["slow"].get<int>() > 0);
  // The registry holds exactly what was pushed.
  std::string direct = *harness.registry + repository.substr(repository.find('/'));
  CHECK(skopeo_digest(direct + ":1") == random.digest.str());
  TempDir copy("nanoforge-faults-copy");
  auto pulled = nanoforge("--layout " + shell_quote((copy / "oci").string()) + " --json pull " + repository + ":1 random:1" + flags);
  INFO(pulled.all());
  REQUIRE(pulled.exit_code == 0);
  CHECK(pulled.parsed()["digest"] == random.digest.str());

  SECTION("when every request fails, the push gives up and tags nothing") {
    FaultProxy broken(*harness.registry, "--fault-rate 1 --faults 500");
    std::string target = broken.address() + "/faults/never-" + std::to_string(std::random_device{}() % 100000) + ":1";
    auto failed = nanoforge(layout_of(dir) + " push " + kBusybox + " " + target + " --insecure-registry " +
                            broken.address() + " --retries 2");
    CHECK(failed.exit_code != 0);
    INFO(failed.err);
    CHECK(failed.err.find("HTTP 500") != std::string::npos);
    CHECK(skopeo_digest(*harness.registry + target.substr(target.find('/'))).rfind("missing", 0) == 0);
  }
}

// The distribution spec lets a registry answer with a Location relative to the request
// (RFC 7231 §7.1.2), as registries other than distribution do: the proxy rewrites each upload
// answer's Location, and answers each blob GET with a redirect, in one form per push.
TEST_CASE("pushes and pulls through every form of upload Location and blob redirect", "[registry][location]") {
  const auto& harness = Harness::get();
  if (!harness.registry) NANOFORGE_SKIP(harness.registry_unavailable);
  TempDir dir("nanoforge-location");
  Layout layout(dir / "oci");
  // A config under 1 MiB (POST, then one PUT) and a 2 MB layer (POST, PATCH, PUT).
  auto manifest = build_random_image(layout, "nanoforge-location/random:1", {2}, 31);
  const std::string run_id = std::to_string(std::random_device{}() % 100000);
  for (std::string form : {"as-is", "absolute-url", "absolute-path", "relative", "dot-relative", "dotdot-relative",
                           "absolute-path-no-query", "relative-no-query", "dotdot-relative-no-query"}) {
    INFO("form " << form);
    FaultProxy proxy(*harness.registry, "--location-form " + form + " --redirect-blobs " + form);
    Nanoforge nanoforge;  // no memory of other pushes: every blob is uploaded
    std::string repository = "/location/" + form + "-" + run_id;
    std::string flags = " --insecure-registry " + proxy.address();
    auto pushed = nanoforge(layout_of(dir) + " --json push nanoforge-location/random:1 " + proxy.address() + repository +
                            ":1" + flags);
    INFO(pushed.all());
    REQUIRE(pushed.exit_code == 0);
    CHECK(pushed.parsed()["blobsUploaded"] == 2);
    // What the registry holds, asked directly by another client.
    CHECK(skopeo_digest(*harness.registry + repository + ":1") == manifest.digest.str());

    TempDir copy("nanoforge-location-pull");
    auto pulled = nanoforge("--layout " + shell_quote((copy / "oci").string()) + " --json pull " + proxy.address() +
                            repository + ":1 copy/random:1" + flags);
    INFO(pulled.all());
    REQUIRE(pulled.exit_code == 0);
    CHECK(pulled.parsed()["digest"] == manifest.digest.str());
    CHECK(pulled.parsed()["blobBytesReceived"] == pushed.parsed()["blobBytesTotal"]);

    // The proxy did answer in the form: two POSTs, a PATCH and two PUTs, two blob GETs.
    auto stats = proxy.stats();
    INFO(stats.dump());
    if (form != "as-is") CHECK(stats["locations_rewritten"].get<int>() >= 5);
    CHECK(stats["redirects"].get<int>() == 2);
    if (form.find("-no-query") != std::string::npos) CHECK(stats["queries_restored"].get<int>() >= 3);
  }
}

TEST_CASE("a push killed mid-upload resumes where the registry got to", "[registry][resume]") {
  const auto& harness = Harness::get();
  if (!harness.registry) NANOFORGE_SKIP(harness.registry_unavailable);
  TempDir dir("nanoforge-resume");
  Layout layout(dir / "oci");
  // A small layer that is complete before the kill and a large one that is not.
  auto manifest = build_random_image(layout, "nanoforge-registry/big:1", {40, 6}, 23);
  auto big_layer = layout.load(ImageReference::parse("nanoforge-registry/big:1")).layers.at(0).size;
  Nanoforge nanoforge;
  std::string repository = "/resume/big-" + std::to_string(std::random_device{}() % 100000);
  // 8 MB/s per request through the proxy: the 6 MB layer is done in under a second, the
  // 40 MB one takes 5 s, and the push is killed once 20 MB have gone through.
  FaultProxy slow(*harness.registry, "--upload-rate 8000000");
  std::string target = slow.address() + repository + ":1";
  {
    auto command = "env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG HOME=" + shell_quote(nanoforge.home().string()) +
                   " XDG_CACHE_HOME=" + shell_quote((nanoforge.home() / "cache").string()) + " " +
                   shell_quote(nanoforge_binary()) + " " + layout_of(dir) + " push nanoforge-registry/big:1 " + target +
                   " --insecure-registry " + slow.address();
    Process push(command, dir / "push.log");
    REQUIRE(wait_until("curl -s http://" + slow.address() + "/__proxy/stats | python3 -c 'import json,sys; "
                       "print(\"half\" if json.load(sys.stdin)[\"body_bytes_in\"] > 20000000 else \"\")'",
                       "half", 60));
  }  // the push process is killed here (SIGTERM) in the middle of its PATCH
  CHECK(skopeo_digest(*harness.registry + repository + ":1").rfind("missing", 0) == 0);
  auto resumed = nanoforge(layout_of(dir) + " --json push nanoforge-registry/big:1 " + target +
                           " --insecure-registry " + slow.address());
  INFO(resumed.all());
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.parsed()["digest"] == manifest.digest.str());
  // What was complete is not sent again: the config and the small layer are skipped. The
  // large layer's interrupted upload is resumed from the registry's offset where the
  // registry allows it; distribution 2.8 invalidates a session whose PATCH broke off
  // (BLOB_UPLOAD_INVALID), so here it goes again whole, in a fresh session.
  CHECK(resumed.parsed()["blobsSkipped"] == 2);
  CHECK(resumed.parsed()["blobBytesSent"].get<std::uint64_t>() <= big_layer);
  CHECK(skopeo_digest(*harness.registry + repository + ":1") == manifest.digest.str());
}

TEST_CASE("bad input: clear errors, non-zero exit, no secrets, layout untouched", "[registry][errors]") {
  const auto& harness = Harness::get();
  if (!harness.registry) NANOFORGE_SKIP(harness.registry_unavailable);
  TempDir dir("nanoforge-bad");
  Layout layout(dir / "oci");
  build_busybox_image(layout);
  auto index_before = sha256_of_path(dir / "oci/index.json");
  Nanoforge nanoforge;
  std::string flags = " --insecure-registry " + *harness.registry;
  auto push = [&](const std::string& arguments) { return nanoforge(layout_of(dir) + " push " + arguments); };

  auto unknown_host = push(kBusybox + " no-such-host.invalid:5000/x/y:1 --retries 1");
  CHECK(unknown_host.exit_code != 0);
  CHECK(unknown_host.err.find("cannot resolve registry host 'no-such-host.invalid:5000'") != std::string::npos);

  auto bad_tag = push(kBusybox + " " + *harness.registry + "/x/y:bad!tag" + flags);
  CHECK(bad_tag.exit_code != 0);
  CHECK(bad_tag.err.find("tag 'bad!tag' is not valid") != std::string::npos);

  auto bad_also_tag = push(kBusybox + " " + *harness.registry + "/x/y:1 --also-tag .hidden" + flags);
  CHECK(bad_also_tag.exit_code != 0);
  CHECK(bad_also_tag.err.find("invalid --also-tag '.hidden'") != std::string::npos);

  auto missing = push("nanoforge-registry/nothing:9 " + *harness.registry + "/x/y:1" + flags);
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("nanoforge-registry/nothing:9 not found") != std::string::npos);

  SECTION("TLS failure without --insecure-registry") {
    TempDir tls("nanoforge-tls");
    REQUIRE(run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext "
                "subjectAltName=IP:127.0.0.1 -keyout " + shell_quote((tls / "key.pem").string()) + " -out " +
                shell_quote((tls / "cert.pem").string()) + " 2>&1").exit_code == 0);
    TestRegistry secure("", tls / "cert.pem", tls / "key.pem");
    auto refused = push(kBusybox + " " + secure.address() + "/x/y:1");
    CHECK(refused.exit_code != 0);
    CHECK(refused.err.find("TLS with " + secure.address() + " failed") != std::string::npos);
    CHECK(refused.err.find("--ca-file") != std::string::npos);
    // With its CA trusted, the same registry works over verified HTTPS.
    auto trusted = push(kBusybox + " " + secure.address() + "/x/y:1 --ca-file " + shell_quote((tls / "cert.pem").string()));
    INFO(trusted.all());
    CHECK(trusted.exit_code == 0);
    auto insecure = push(kBusybox + " " + secure.address() + "/x/z:1 --insecure-registry " + secure.address());
    CHECK(insecure.exit_code == 0);
  }
  SECTION("403 from the registry") {
    FaultProxy deny(*harness.registry, "--status-for 'POST:/v2/.*/blobs/uploads=403' --status-for 'HEAD:/v2/.*/blobs/=404'");
    auto denied = push(kBusybox + " " + deny.address() + "/x/denied:1 --insecure-registry " + deny.address());
    CHECK(denied.exit_code != 0);
    CHECK(denied.err.find("HTTP 403") != std::string::npos);
    CHECK(denied.err.find("access denied") != std::string::npos);
  }
  SECTION("a manifest the registry rejects shows the registry's error") {
    auto image = layout.load(ImageReference::parse(kBusybox));
    auto bad = image.manifest_json;
    bad["mediaType"] = media_type::kImageIndex;  // contradicts the Content-Type it is sent with
    auto stored = layout.blobs().put(bad.dump());
    layout.tag(ImageReference::parse("nanoforge-registry/bad:1"), Descriptor{media_type::kImageManifest, stored.digest, stored.size, {}, {}});
    index_before = sha256_of_path(dir / "oci/index.json");
    auto rejected = push("nanoforge-registry/bad:1 " + *harness.registry + "/x/rejected:1" + flags);
    INFO(rejected.all());
    CHECK(rejected.exit_code != 0);
    CHECK(rejected.err.find("HTTP 400") != std::string::npos);
    CHECK(rejected.err.find("MANIFEST_INVALID") != std::string::npos);
  }
  CHECK(sha256_of_path(dir / "oci/index.json") == index_before);
}
