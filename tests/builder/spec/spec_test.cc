#include <algorithm>
#include <catch2/catch.hpp>

#include "base/error.h"
#include "builder/spec/spec.h"
#include "rootfs/profiles.h"
#include <map>
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::builder;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;

namespace {
std::string error_of(const std::filesystem::path& file) {
  try {
    load_spec(file);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a full spec loads with its defaults filled in", "[spec]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "app");
  write_text(dir / "app/pyproject.toml", "[project]\nname='x'\n");
  std::filesystem::create_directories(dir / "root");
  write_text(dir / "nanoforge.yaml",
             "name: nanobot\nversion: \"1.2\"\nepoch: 42\ncompression: zstd\n"
             "runtime: {profile: minimal, packages: [git], keep: [/usr/lib/*/gconv/*], user: {uid: 1001, gid: 1002}}\n"
             "venv: {project: app, module: app, command: [app, serve], pip: {find_links: [wheels], no_index: true}}\n"
             "images:\n  - name: extra\n    layers: [{source: root, destination: /srv, owners: [{path: /srv/data, uid: 7, gid: 8}]}]\n"
             "    config: {ports: [\"80\", \"53/udp\"], env: {A: b}, healthcheck: {test: [CMD, x], interval: 1m30s}}\n"
             "budgets: {runtime_uncompressed: 40MiB}\n");
  unsetenv("SOURCE_DATE_EPOCH");
  auto spec = load_spec(dir / "nanoforge.yaml");
  CHECK(spec.name == "nanobot");
  CHECK(spec.version == "1.2");
  CHECK(spec.epoch == 42);
  CHECK(spec.compression == oci::Compression::Zstd);
  REQUIRE(spec.runtime);
  CHECK(spec.runtime->profile == "minimal");
  CHECK(spec.runtime->keep == std::vector<std::string>{"/usr/lib/*/gconv/*"});
  CHECK(spec.runtime->uid == 1001);
  CHECK(spec.runtime->gid == 1002);
  CHECK(spec.runtime->home == "/data");
  CHECK(spec.runtime->lock_file == dir.path() / "nanoforge.debian.lock");
  REQUIRE(spec.venv);
  CHECK(spec.venv->project == dir.path() / "app");
  CHECK(spec.venv->command == std::vector<std::string>{"app", "serve"});
  CHECK(spec.venv->find_links == std::vector<std::string>{(dir.path() / "wheels").string()});
  CHECK(spec.venv->no_index);
  CHECK(spec.venv->output == dir.path() / "venv");
  REQUIRE(spec.images.size() == 1);
  CHECK(spec.images[0].tags == std::vector<std::string>{"latest"});
  CHECK(spec.images[0].layers[0].destination == "srv");
  CHECK(spec.images[0].layers[0].owners[0].path == "srv/data");
  CHECK(spec.images[0].config.exposed_ports == std::vector<std::string>{"80/tcp", "53/udp"});
  CHECK(spec.images[0].config.healthcheck->interval_ns == 90'000'000'000LL);
  CHECK(spec.budgets.runtime_uncompressed == 40ull * 1024 * 1024);
  CHECK(spec.budgets.runtime_compressed == 20'000'000);
}

TEST_CASE("the nanobot profile is upstream's runtime, with a budget that fits it", "[spec]") {
  TempDir dir;
  write_text(dir / "nanoforge.yaml", "runtime: {profile: nanobot}\n");
  auto spec = load_spec(dir / "nanoforge.yaml");
  CHECK(spec.budgets.runtime_uncompressed == 160'000'000);
  CHECK(spec.budgets.runtime_compressed == 56'000'000);
  write_text(dir / "nanoforge.yaml", "runtime: {profile: nanobot}\nbudgets: {runtime_compressed: 60MB}\n");
  CHECK(load_spec(dir / "nanoforge.yaml").budgets.runtime_compressed == 60'000'000);  // the spec's own wins
  write_text(dir / "nanoforge.yaml", "runtime: {profile: standard}\n");
  CHECK(load_spec(dir / "nanoforge.yaml").budgets.runtime_uncompressed == 50'000'000);
  auto packages = rootfs::profile_packages("nanobot");
  for (const char* package : {"bash", "curl", "tini", "git", "openssh-client", "libmagic1", "bubblewrap", "libssl3"})
    CHECK(std::find(packages.begin(), packages.end(), package) != packages.end());
  write_text(dir / "nanoforge.yaml", "runtime: {profile: huge}\n");
  CHECK_THROWS_WITH(load_spec(dir / "nanoforge.yaml"), Catch::Contains("expected minimal, standard, nanobot"));
}

TEST_CASE("one Debian lock a release: trixie's beside bookworm's", "[spec]") {
  TempDir dir;
  auto lock_of = [&](const std::string& debian) {
    write_text(dir / "nanoforge.yaml", "name: n\nruntime: {debian: " + debian + "}\n");
    return load_spec(dir / "nanoforge.yaml").runtime->lock_file;
  };
  CHECK(lock_of("{}") == dir.path() / "nanoforge.debian.lock");
  CHECK(lock_of("{suites: [bookworm, bookworm-updates, bookworm-security]}") == dir.path() / "nanoforge.debian.lock");
  CHECK(lock_of("{suites: [trixie, trixie-updates, trixie-security]}") == dir.path() / "nanoforge.debian.trixie.lock");
  CHECK(lock_of("{suites: [trixie], lock: my.lock}") == dir.path() / "my.lock");
}

TEST_CASE("SOURCE_DATE_EPOCH overrides the spec's epoch", "[spec]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "root");
  write_text(dir / "s.yaml", "epoch: 5\nimages: [{name: a, layers: [{source: root}]}]\n");
  setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  CHECK(load_spec(dir / "s.yaml").epoch == 1700000000);
  setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
  CHECK_THAT(error_of(dir / "s.yaml"), Catch::Contains("SOURCE_DATE_EPOCH"));
  unsetenv("SOURCE_DATE_EPOCH");
}

TEST_CASE("spec errors name the file, line, column and field", "[spec][errors]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "root");
  auto spec = dir / "nanoforge.yaml";
  auto check = [&](const std::string& text, std::vector<std::string> fragments) {
    write_text(spec, text);
    auto message = error_of(spec);
    INFO(text << "\n=> " << message);
    REQUIRE_FALSE(message.empty());
    for (const auto& fragment : fragments) CHECK_THAT(message, Catch::Contains(fragment));
  };
  check("name: a\nbogus: 1\nimages: [{name: a, layers: [{source: root}]}]\n", {"nanoforge.yaml:2:1", "bogus", "unknown key"});
  check("images: [{name: a, layers: [{source: root, destinaton: /}]}]\n", {"images[0].layers[0].destinaton", "unknown key"});
  check("images: [{name: A, layers: [{source: root}]}]\n", {"images[0].name", "'A'"});
  check("images: [{name: a, layers: []}]\n", {"at least one layer"});
  check("images: [{name: a, layers: [{source: root, destination: ../up}]}]\n", {"destination"});
  check("images: [{name: a, layers: [{source: root}], config: {workdir: relative}}]\n", {"workdir", "absolute"});
  check("images: [{name: a, layers: [{source: root}], config: {ports: [\"0\"]}}]\n", {"ports", "'0'"});
  check("images: [{name: a, layers: [{source: root}], config: {ports: [\"http\"]}}]\n", {"ports", "'http'"});
  check("images: [{name: a, layers: [{source: root}], config: {env: {1X: y}}}]\n", {"env", "1X"});
  check("images: [{name: a, layers: [{source: root}], config: {healthcheck: {test: [RUN, x]}}}]\n", {"healthcheck.test"});
  check("epoch: soon\nimages: [{name: a, layers: [{source: root}]}]\n", {"epoch", "integer"});
  check("epoch: -1\nimages: [{name: a, layers: [{source: root}]}]\n", {"epoch", "negative"});
  check("runtime: {profile: huge}\n", {"runtime.profile", "huge"});
  check("runtime: {user: {uid: 0}}\n", {"runtime.user.uid", "root"});
  check("runtime: {port: 70000}\n", {"runtime.port"});
  check("runtime: {debian: {suites: [stable]}}\n", {"codename"});
  check("runtime: {keep: [usr/lib/gconv]}\n", {"runtime.keep", "absolute"});
  check("venv: {project: missing, module: m, command: [m]}\n", {"venv.project", "not a directory"});
  check("venv: {project: root, module: m, command: [m]}\n", {"pyproject.toml"});
  check("venv: {python: {url: http://x/p.tar.gz}, project: root, module: m, command: [m]}\n", {"sha256", "required"});
  write_text(dir / "root/pyproject.toml", "[project]\nname = \"x\"\n");
  check("venv: {project: root, module: m, command: [m], webui: yes}\n", {"venv.webui", "'yes'", "build, prebuilt, none"});
  check("venv: {project: root, module: m, command: [m], webui: bulid}\n", {"nanoforge.yaml:1", "venv.webui", "'bulid'"});
  check("images: {name: a}\n", {"images", "list"});
  check("images: [\n", {"invalid YAML"});
  check("", {"empty"});
  check("name: a\n", {"nothing to build"});
  check("budgets: {runtime_compressed: lots}\nruntime: {}\n", {"budgets.runtime_compressed", "size"});
  CHECK_THAT(error_of(dir / "absent.yaml"), Catch::Contains("absent.yaml") && Catch::Contains("does not exist"));
  CHECK_THAT(error_of(dir.path()), Catch::Contains("is a directory"));
}

TEST_CASE("durations and sizes parse as Docker and humans write them", "[spec]") {
  CHECK(parse_duration("30s", "") == 30'000'000'000LL);
  CHECK(parse_duration("1m30s", "") == 90'000'000'000LL);
  CHECK(parse_duration("500ms", "") == 500'000'000LL);
  CHECK(parse_duration("2h", "") == 7'200'000'000'000LL);
  CHECK_THROWS_AS(parse_duration("30", "x: "), Error);
  CHECK_THROWS_AS(parse_duration("s30", "x: "), Error);
  CHECK(parse_size("50MB", "") == 50'000'000);
  CHECK(parse_size("20MiB", "") == 20ull * 1024 * 1024);
  CHECK(parse_size("1G", "") == 1'000'000'000);
  CHECK(parse_size("1000", "") == 1000);
  CHECK_THROWS_AS(parse_size("many", "x: "), Error);
}

// yaml-cpp keeps a plain scalar's text: a field that takes text gets `yes`, `1.10`, `0x1F` as
// written, where a YAML 1.1 reader would have a boolean, 1.1 and 31.
TEST_CASE("spec text fields read as written, whatever type YAML would give the text", "[spec][yaml]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "root");
  write_text(dir / "nanoforge.yaml",
             "name: yes\nversion: 1.10\n"
             "images:\n  - name: 123\n    tags: [1.10, 010, 0x1F, 2001-12-14, no, 1e3, 1_000, 3.0]\n"
             "    layers: [{source: root}]\n"
             "    config: {env: {A: yes, B: 0o17, C: '1:20', D: ''}, labels: {on: off, n: 2001-12-14},\n"
             "             cmd: [true, 08, \"null\"], user: 1000, stop_signal: 15}\n");
  auto spec = load_spec(dir / "nanoforge.yaml");
  CHECK(spec.name == "yes");
  CHECK(spec.version == "1.10");
  REQUIRE(spec.images.size() == 1);
  const auto& image = spec.images[0];
  CHECK(image.name == "123");
  CHECK(image.tags == std::vector<std::string>{"1.10", "010", "0x1F", "2001-12-14", "no", "1e3", "1_000", "3.0"});
  CHECK(image.config.env == std::vector<std::string>{"A=yes", "B=0o17", "C=1:20", "D="});
  CHECK(image.config.labels == std::map<std::string, std::string>{{"on", "off"}, {"n", "2001-12-14"}});
  CHECK(image.config.cmd == std::vector<std::string>{"true", "08", "null"});
  CHECK(image.config.user == "1000");
  CHECK(image.config.stop_signal == "15");
}

// An empty value, ~ and null are no value in YAML; yaml-cpp's as<std::string>() made them the
// text "null" (`env: {~: x}` set a variable named null). A field taking text says so instead.
TEST_CASE("spec text fields given no value (empty, ~, null) are errors naming the field", "[spec][yaml][errors]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "root");
  auto spec = dir / "nanoforge.yaml";
  auto check = [&](const std::string& config, std::vector<std::string> fragments) {
    write_text(spec, "images:\n  - name: a\n    layers: [{source: root}]\n" + config);
    auto message = error_of(spec);
    INFO(config << "=> " << message);
    REQUIRE_FALSE(message.empty());
    for (const auto& fragment : fragments) CHECK_THAT(message, Catch::Contains(fragment));
    CHECK_THAT(message, Catch::Contains("write \"null\" in quotes"));
  };
  check("    config: {env: {~: x}}\n", {"nanoforge.yaml:4:", "images[0].config.env", "a key has no value"});
  check("    config: {env: {null: x}}\n", {"images[0].config.env", "a key has no value"});
  check("    config: {labels: {a: }}\n", {"images[0].config.labels", "'a' has no value"});
  check("    config: {labels: {a: null}}\n", {"images[0].config.labels", "'a' has no value"});
  check("    tags: [v1, ~]\n", {"images[0].tags", "an item has no value"});
  check("    config: {cmd: [run, null]}\n", {"images[0].config.cmd", "an item has no value"});
  write_text(spec, "images:\n  - name: ~\n    layers: [{source: root}]\n");
  CHECK_THAT(error_of(spec), Catch::Contains("images[0].name") && Catch::Contains("is required and has no value"));
}
