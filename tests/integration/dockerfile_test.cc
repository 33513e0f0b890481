// The Docker path nanoforge replaces: `docker build -f Dockerfile.multi-instance` from a
// debian:bookworm-slim imported from the machine's Debian mirror (no registry), brought into
// a nanoforge layout, must pass `nanoforge verify` with the example's venv, as nanoforge's own
// runtime does, and must not lack anything nanoforge's runtime has.
//
// How the image gets into the layout: `docker push` to the harness's registry, then
// `nanoforge pull`. This keeps Docker's image config as built; `skopeo copy docker-daemon:
// oci:` would convert it to an OCI config, which has no Healthcheck field and drops it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "built_example.h"
#include "oci/layer_reader.h"
#include "oci/layout.h"
#include "rootfs/control.h"
#include "test_support.h"

using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

// Test-private tags, so a real debian:bookworm-slim or nanobot image in the daemon is never
// touched. The base stays in the harness's dockerd between runs (importing takes a minute).
const std::string kBaseImage = "nanoforge-test/debian:bookworm-slim";

std::string last_lines(const std::string& text, std::size_t count = 15) {
  auto at = text.size();
  for (std::size_t lines = 0; at > 0 && lines <= count; --at)
    if (text[at - 1] == '\n') ++lines;
  return text.substr(at);
}

// Everything the test cases look at, produced once: the Dockerfile's runtime in a layout of
// its own, and the example's venv with `nanobot` naming its app.
struct DockerBuiltRuntime {
  std::string skip_reason;  // non-empty: the test cannot run here, and why
  std::string failure;      // non-empty: a step that should have worked failed
  TempDir directory{"nanoforge-dockerfile"};
  fs::path layout;
  std::string reference;    // NAME:TAG in the layout (and in dockerd after verify --run)
  fs::path venv;
  std::string docker;       // "env DOCKER_HOST=... docker"
  std::string built_tag, pushed_tag;

  DockerBuiltRuntime() {
    const auto& harness = Harness::get();
    if (!harness.docker_host) { skip_reason = "dockerd unavailable: " + harness.docker_unavailable; return; }
    if (!harness.registry) { skip_reason = "registry unavailable: " + harness.registry_unavailable; return; }
    auto& example = BuiltExample::get();
    if (example.wheelhouse.empty()) { skip_reason = "no CPython 3.12 install with setuptools/wheel wheels on this machine"; return; }
    if (example.build.exit_code != 0) { failure = "the example did not build: " + last_lines(read_text(example.directory / "build.log")); return; }
    docker = harness.docker();
    auto tools = source_dir() / "tests/tools/import-debian-base.sh";
    auto with_docker_host = "DOCKER_HOST=" + shell_quote(*harness.docker_host) + " ";

    auto imported = run(with_docker_host + shell_quote(tools.string()) + " " + shell_quote(kBaseImage));
    if (imported.exit_code == 77) { skip_reason = "no debian:bookworm-slim base: " + last_lines(imported.output, 2); return; }
    if (imported.exit_code != 0) { failure = "importing the base failed: " + last_lines(imported.output); return; }
    auto add_hosts = run(shell_quote(tools.string()) + " --add-host-flags");
    if (add_hosts.exit_code != 0) { failure = "no --add-host flags for the mirror: " + add_hosts.output; return; }
    std::replace(add_hosts.output.begin(), add_hosts.output.end(), '\n', ' ');

    auto id = std::to_string(::getpid());
    built_tag = "nanoforge-test/dockerfile-runtime:" + id;
    // The classic builder: dockerd 20.10 here has no BuildKit front end the client can use.
    auto built = run("DOCKER_BUILDKIT=0 " + docker + " build -q -f " +
                     shell_quote((source_dir() / "Dockerfile.multi-instance").string()) + " " + add_hosts.output +
                     "--build-arg BASE_IMAGE=" + shell_quote(kBaseImage) + " -t " + shell_quote(built_tag) + " " +
                     shell_quote(source_dir().string()));
    if (built.exit_code != 0) { failure = "docker build -f Dockerfile.multi-instance failed: " + last_lines(built.output); return; }

    pushed_tag = *harness.registry + "/" + built_tag;
    auto pushed = run(docker + " tag " + shell_quote(built_tag) + " " + shell_quote(pushed_tag) + " && " + docker +
                      " push -q " + shell_quote(pushed_tag));
    if (pushed.exit_code != 0) { failure = "docker push to the harness registry failed: " + pushed.output; return; }
    layout = directory / "oci";
    reference = "nanobot-dockerfile:" + id;
    auto pulled = run(nanoforge_command("--layout " + shell_quote(layout.string()) + " pull --insecure-registry " +
                                        shell_quote(*harness.registry) + " " + shell_quote(pushed_tag) + " " + reference));
    if (pulled.exit_code != 0) { failure = "nanoforge pull failed: " + last_lines(pulled.output); return; }

    // The Dockerfile's entrypoint starts /opt/venv/bin/nanobot (it is written for Nanobot),
    // which the example installs too, under upstream's name.
    venv = directory / "venv";
    auto copied = run("cp -a " + shell_quote((example.directory / "venv").string()) + " " + shell_quote(venv.string()) +
                      " && test -x " + shell_quote((venv / "bin/nanobot").string()));
    if (copied.exit_code != 0) failure = "copying the venv failed: " + copied.output;
  }

  ~DockerBuiltRuntime() {
    if (docker.empty()) return;
    std::string tags;
    for (const auto& tag : {built_tag, pushed_tag, reference})
      if (!tag.empty()) tags += " " + shell_quote(tag);
    if (!tags.empty()) run(docker + " rmi -f" + tags + " >/dev/null 2>&1");
  }

  static DockerBuiltRuntime& get() {
    static DockerBuiltRuntime runtime;
    return runtime;
  }

  std::string verify(const std::string& arguments) const {
    return "DOCKER_HOST=" + shell_quote(Harness::get().docker_host.value_or("")) + " " +
           nanoforge_command("verify --json --layout " + shell_quote(layout.string()) + " " + reference + " --venv " +
                             shell_quote(venv.string()) + " --module example_gateway " + arguments);
  }
};

// The Debian packages an image's last dpkg database lists.
std::set<std::string> packages_of(const fs::path& layout_dir, const std::string& reference) {
  nanoforge::oci::Layout layout(layout_dir);
  auto image = layout.load(nanoforge::ImageReference::parse(reference));
  std::set<std::string> packages;
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it) {
    auto status = nanoforge::oci::read_layer_file(layout.blobs().path_of(it->digest), "var/lib/dpkg/status");
    if (!status) continue;
    for (const auto& stanza : nanoforge::rootfs::parse_control(*status, "var/lib/dpkg/status"))
      if (stanza.get_or("Status", "").ends_with(" installed")) packages.insert(stanza.get_or("Package", ""));
    break;
  }
  return packages;
}

nlohmann::json image_config(const fs::path& layout_dir, const std::string& reference) {
  return nanoforge::oci::Layout(layout_dir).load(nanoforge::ImageReference::parse(reference)).config_json["config"];
}

}  // namespace

TEST_CASE("Dockerfile.multi-instance builds a runtime that passes verify's static checks", "[dockerfile]") {
  auto& runtime = DockerBuiltRuntime::get();
  if (!runtime.skip_reason.empty()) NANOFORGE_SKIP(runtime.skip_reason);
  INFO(runtime.failure);
  REQUIRE(runtime.failure.empty());

  auto verified = run(runtime.verify(""));
  INFO(verified.output);
  auto report = parse_report(verified.output);
  const auto& name = runtime.reference;
  CHECK(check_named(report, "no-system-python " + name)["status"] == "pass");
  CHECK(check_named(report, "image-config " + name)["status"] == "pass");
  CHECK(check_named(report, "image-config " + name)["figure"] == "user 1000:1000, port 18790/tcp");
  CHECK(check_named(report, "python-version")["figure"].get<std::string>().starts_with("Python 3.12."));
  CHECK(check_named(report, "app-import")["status"] == "pass");
  auto closure = check_named(report, "elf-closure");
  CHECK(closure["status"] == "pass");
  CHECK_THAT(closure["figure"].get<std::string>(), Catch::Contains("the runtime image"));
  CHECK(check_named(report, "relocatable")["status"] == "pass");
  // The one check that does not apply: the size budget is nanoforge's slimmed runtime's
  // (50 MB / 20 MB by default). The Dockerfile's runtime keeps all of debian:bookworm-slim
  // (apt, dpkg, perl-base, docs' copyright files, ...) under what it adds, so it is over.
  CHECK(failed_checks(report) == std::vector<std::string>{"size-budget " + name});
  CHECK_THAT(check_named(report, "size-budget")["detail"].get<std::string>(), Catch::Contains("over its budget"));
  CHECK(verified.exit_code == 3);
}

TEST_CASE("Dockerfile.multi-instance's runtime passes verify --run in dockerd", "[dockerfile][engines]") {
  auto& runtime = DockerBuiltRuntime::get();
  if (!runtime.skip_reason.empty()) NANOFORGE_SKIP(runtime.skip_reason);
  INFO(runtime.failure);
  REQUIRE(runtime.failure.empty());

  auto verified = run(runtime.verify("--run"));
  INFO(verified.output);
  auto report = parse_report(verified.output);
  auto which = check_named(report, "run: which python");
  REQUIRE(which != nullptr);
  CHECK(which["status"] == "pass");
  CHECK(which["figure"] == "exit 1, printed ''");
  CHECK(check_named(report, "run: venv python --version")["figure"].get<std::string>().starts_with("Python 3.12."));
  CHECK(check_named(report, "run: GET /health")["status"] == "pass");
  CHECK(failed_checks(report) == std::vector<std::string>{"size-budget " + runtime.reference});
}

TEST_CASE("Dockerfile.multi-instance's runtime has nanoforge's config and every package of its runtime",
          "[dockerfile]") {
  auto& runtime = DockerBuiltRuntime::get();
  if (!runtime.skip_reason.empty()) NANOFORGE_SKIP(runtime.skip_reason);
  INFO(runtime.failure);
  REQUIRE(runtime.failure.empty());
  auto nanoforge_layout = BuiltExample::get().directory / ".nanoforge/oci";

  auto docker = image_config(runtime.layout, runtime.reference);
  auto ours = image_config(nanoforge_layout, "nanobot:0.1.0");
  for (const char* key : {"User", "WorkingDir", "Entrypoint", "ExposedPorts", "Healthcheck", "StopSignal"}) {
    INFO(key);
    CHECK(docker.value(key, nlohmann::json()) == ours.value(key, nlohmann::json()));
  }
  auto env = [](const nlohmann::json& config) { return config["Env"].get<std::set<std::string>>(); };
  CHECK(env(docker) == env(ours));

  // Whatever nanoforge's runtime installs, the Dockerfile's installs too (it may have more:
  // the whole slim base).
  auto docker_packages = packages_of(runtime.layout, runtime.reference);
  auto our_packages = packages_of(nanoforge_layout, "nanobot:0.1.0");
  REQUIRE(!our_packages.empty());
  std::vector<std::string> missing;
  std::set_difference(our_packages.begin(), our_packages.end(), docker_packages.begin(), docker_packages.end(),
                      std::back_inserter(missing));
  INFO("missing from the Dockerfile's runtime: " << Catch::Detail::stringify(missing));
  CHECK(missing.empty());
}
