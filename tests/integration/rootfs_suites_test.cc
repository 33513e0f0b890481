// Both Debian releases the runtime is built from, bookworm (12) and trixie (13, whose
// base-files ships the merged-/usr links itself), with packages whose maintainer scripts make
// update-alternatives links (mawk's awk) and whose needs reach into the exclusion list (git ->
// perl -> perl-base): built by `nanoforge build`, run in a container on the harness's dockerd
// as the runtime user. The .debs come from the shared download cache, so a second run (and the
// other tests) fetch nothing again. Then the example's venv on the runtimes the example does
// not use itself (trixie standard and minimal, bookworm minimal): `verify --run` passes, the
// ELF closure and the size budgets (50 MB / 20 MB) included.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "built_example.h"
#include "test_support.h"

using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

void build_and_run(const std::string& release) {
  const auto& harness = Harness::get();
  TempDir dir("nanoforge-suite-" + release);
  const std::string name = "nanoforge-suite-" + release;
  write_text(dir / "nanoforge.yaml",
             "name: " + name + "\nversion: \"1\"\ncompression: gzip\n"
             "runtime:\n  profile: standard\n  packages: [mawk, git]\n  keep: [/usr/lib/*/gconv/EBCDIC-US.so]\n"
             "  debian: {suites: [" + release + ", " + release + "-updates, " + release + "-security]}\n");
  auto built = run(nanoforge_command("build --json -f " + shell_quote((dir / "nanoforge.yaml").string())) +
                   " 2>" + shell_quote((dir / "build.log").string()));
  INFO(read_text(dir / "build.log"));
  REQUIRE(built.exit_code == 0);
  // One lock a release, beside the spec.
  std::string lock = release == "bookworm" ? "nanoforge.debian.lock" : "nanoforge.debian." + release + ".lock";
  REQUIRE(fs::exists(dir / lock));
  auto locked = nlohmann::json::parse(read_text(dir / lock));
  CHECK(locked["suites"][0] == release);
  std::set<std::string> packages;
  for (const auto& package : locked["packages"]) packages.insert(package["name"].get<std::string>());
  CHECK(packages.count("perl-base"));  // perl needs it: the exclusion rule keeps it
  CHECK(packages.count("mawk"));
  CHECK_FALSE(packages.count("dpkg"));  // only Pre-Depends reach it
  auto why = run(nanoforge_command("rootfs why perl-base -f " + shell_quote((dir / "nanoforge.yaml").string())));
  CHECK_THAT(why.output, Catch::Contains("installed although on the exclusion list: perl Depends on it"));
  // ...and why a package is left out is an answer too, naming the rule.
  auto why_not = run_split(nanoforge_command("rootfs why dpkg --json -f " + shell_quote((dir / "nanoforge.yaml").string())));
  INFO(why_not.err);
  REQUIRE(why_not.exit_code == 0);
  REQUIRE(not_one_json_document(why_not.out) == "");
  auto answer = nlohmann::json::parse(why_not.out);
  CHECK(answer["installed"] == false);
  CHECK_THAT(answer["reason"].get<std::string>(), Catch::Contains("script-only"));

  if (!harness.docker_host) {
    WARN("SKIPPED running the " + release + " image: " + harness.docker_unavailable);
    return;
  }
  auto archive = dir / "image.tar";
  REQUIRE(run(nanoforge_command("--layout " + shell_quote((dir / ".nanoforge/oci").string()) + " export " + name +
                                ":1 --docker-archive " + shell_quote(archive.string())))
              .exit_code == 0);
  REQUIRE(run(harness.docker() + " load -i " + shell_quote(archive.string())).exit_code == 0);
  struct RemoveImage {
    std::string command;
    ~RemoveImage() { run(command); }
  } remove{harness.docker() + " rmi -f " + name + ":1 >/dev/null 2>&1"};
  // stderr is kept: perl warns when LANG names a locale the image lacks (libc-bin's C.utf8).
  auto ran = run(harness.docker() + " run --rm --user 1000:1000 " + name +
                 ":1 sh -c 'awk \"BEGIN { print 6 * 7 }\"; perl -e \"print 7 * 6, qq(\\n)\"; git --version; "
                 "readlink /usr/bin/awk /etc/alternatives/awk; head -2 /var/lib/dpkg/alternatives/awk; id -u; "
                 "cat /etc/os-release; echo gconv:; for f in /usr/lib/*/gconv/*.so; do case ${f##*/} in EBCDIC-US.so|IBM1390.so|UTF-16.so) "
                 "echo ${f##*/};; esac; done' 2>&1");
  INFO(ran.output);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.output, Catch::StartsWith("42\n42\ngit version "));
  CHECK_THAT(ran.output, Catch::Contains("/etc/alternatives/awk\n/usr/bin/mawk\nauto\n/usr/bin/awk\n1000\n"));
  CHECK_THAT(ran.output, Catch::Contains("VERSION_CODENAME=" + release));
  // Slimming drops the iconv modules of rare charsets, except the one the spec keeps.
  CHECK_THAT(ran.output, Catch::EndsWith("\ngconv:\nEBCDIC-US.so\nUTF-16.so\n"));
}

}  // namespace

TEST_CASE("a bookworm runtime with mawk and git: awk, perl and git run as the runtime user", "[suites]") {
  build_and_run("bookworm");
}

TEST_CASE("a trixie runtime with mawk and git: awk, perl and git run as the runtime user", "[suites]") {
  build_and_run("trixie");
}

namespace {

// The built example, copied (its venv and step records with it, so only the runtime is built
// again) and switched to `runtime_yaml`, under an image name of its own so the engine's
// nanobot:0.1.0 (other tests') is left alone; then `verify --json --run` on the harness dockerd.
void verify_example_on(const std::string& label, const std::string& runtime_yaml) {
  if (auto why = example_unavailable(); !why.empty()) NANOFORGE_SKIP(why);
  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP("dockerd unavailable: " + harness.docker_unavailable);
  auto& example = BuiltExample::get();
  TempDir dir("nanoforge-example-" + label);
  REQUIRE(run("cp -a " + shell_quote(example.directory.string()) + "/. " + shell_quote(dir.path().string())).exit_code == 0);
  const std::string name = "nanoforge-example-" + label;
  std::string spec = read_text(dir / "nanoforge.yaml");
  auto replace_line = [&](const std::string& from, const std::string& to) {
    auto at = spec.find(from);
    REQUIRE(at != std::string::npos);
    spec.replace(at, spec.find('\n', at) - at, to);
  };
  replace_line("name: nanobot", "name: " + name);
  replace_line("  profile: standard", runtime_yaml);
  write_text(dir / "nanoforge.yaml", spec);
  struct RemoveImages {
    std::string command;
    ~RemoveImages() { run(command); }
  } remove{harness.docker() + " rmi -f " + name + ":0.1.0 " + name + "-full:0.1.0 >/dev/null 2>&1"};
  auto built = run(nanoforge_command("build -f " + shell_quote((dir / "nanoforge.yaml").string()) + " --find-links " +
                                     shell_quote(example.wheelhouse)));
  INFO(built.output);
  REQUIRE(built.exit_code == 0);
  CHECK_THAT(built.output, Catch::Matches("[\\s\\S]*venv .* reused[\\s\\S]*"));  // only the runtime was built
  auto verified = run("DOCKER_HOST=" + shell_quote(*harness.docker_host) + " " +
                      nanoforge_command("verify --json --run -f " + shell_quote((dir / "nanoforge.yaml").string())));
  INFO(verified.output);
  auto report = parse_report(verified.output);
  CHECK(verified.exit_code == 0);
  CHECK(failed_checks(report).empty());
  CHECK(check_named(report, "elf-closure")["status"] == "pass");  // against this runtime's libraries
  CHECK(check_named(report, "run: venv python --version")["figure"].get<std::string>().starts_with("Python 3.12."));
  CHECK(check_named(report, "run: GET /health")["status"] == "pass");
}

}  // namespace

TEST_CASE("the example's venv passes verify --run on a trixie standard runtime", "[suites][engines]") {
  verify_example_on("trixie-standard",
                    "  profile: standard\n  debian: {suites: [trixie, trixie-updates, trixie-security]}");
}

TEST_CASE("the example's venv passes verify --run on a trixie minimal runtime", "[suites][engines]") {
  verify_example_on("trixie-minimal",
                    "  profile: minimal\n  debian: {suites: [trixie, trixie-updates, trixie-security]}");
}

TEST_CASE("the example's venv passes verify --run on a bookworm minimal runtime", "[suites][engines]") {
  verify_example_on("bookworm-minimal", "  profile: minimal");
}
