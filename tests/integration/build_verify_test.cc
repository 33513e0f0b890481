// The main job end to end on the embedded example: build the Python-free runtime, the venv
// and the full image; verify passes (with --run on an engine); an unchanged rebuild does
// nothing; and each invariant broken on purpose fails exactly its own check, naming the file.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "built_example.h"
#include "test_support.h"

using namespace nanoforge::testing;
namespace fs = std::filesystem;

TEST_CASE("the example builds the runtime, the venv and the full image, and verify passes", "[e2e]") {
  auto& example = BuiltExample::get();
  if (example.wheelhouse.empty()) NANOFORGE_SKIP("no CPython 3.12 install with setuptools/wheel wheels on this machine");
  INFO(read_text(example.directory / "build.log"));
  REQUIRE(example.build.exit_code == 0);
  auto built = nlohmann::json::parse(example.build.output);
  std::set<std::string> references;
  for (const auto& image : built["images"])
    for (const auto& reference : image["references"]) references.insert(reference);
  CHECK(references.count("nanobot:0.1.0"));
  CHECK(references.count("nanobot:latest"));
  CHECK(references.count("nanobot-full:0.1.0"));
  CHECK(fs::exists(example.directory / "venv/bin/python"));
  CHECK(fs::exists(example.directory / "venv.tar.gz"));
  CHECK(fs::exists(example.directory / "venv/VERSION.txt"));
  CHECK(fs::exists(example.directory / "nanoforge.debian.lock"));
  CHECK(fs::exists(example.directory / "requirements.lock"));

  auto verified = run_split(example.verify("--json"));
  INFO(verified.out << verified.err);
  REQUIRE(not_one_json_document(verified.out) == "");  // the output contract
  auto report = parse_report(verified.out);
  CHECK(failed_checks(report).empty());
  CHECK(verified.exit_code == 0);
  CHECK(check_named(report, "python-version")["figure"].get<std::string>().starts_with("Python 3.12."));
  // --quiet: a verify that passes prints nothing (the venv alone, the quickest target).
  auto quiet = run(nanoforge_command("verify --quiet --venv " + shell_quote((example.directory / "venv").string()) +
                                     " --module example_gateway"));
  INFO(quiet.output);
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.output.empty());
}

TEST_CASE("rootfs why names the chain that pulled a package into the example's runtime", "[e2e]") {
  auto& example = BuiltExample::get();
  if (example.wheelhouse.empty()) NANOFORGE_SKIP("no CPython 3.12 install with setuptools/wheel wheels on this machine");
  REQUIRE(example.build.exit_code == 0);
  std::string spec = " -f " + shell_quote(example.spec.string());
  auto why = run_split(nanoforge_command("rootfs why libc6 --json" + spec));
  INFO(why.out << why.err);
  REQUIRE(why.exit_code == 0);
  REQUIRE(not_one_json_document(why.out) == "");
  auto document = nlohmann::json::parse(why.out);
  CHECK(document["package"] == "libc6");
  REQUIRE(document["chain"].size() >= 1);
  CHECK(document["chain"][0]["relation"] == "requested");
  CHECK(document["chain"].back()["package"] == "libc6");
  auto quiet = run(nanoforge_command("rootfs why libc6 --quiet" + spec));
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.output.empty());
  // A package the runtime does not hold: an error that names it.
  auto absent = run(nanoforge_command("rootfs why python3.11-minimal" + spec));
  CHECK(absent.exit_code != 0);
  CHECK_THAT(absent.output, Catch::Contains("python3.11-minimal"));
}

TEST_CASE("a second build with nothing changed reuses every step, quickly", "[e2e]") {
  auto& example = BuiltExample::get();
  if (example.wheelhouse.empty()) NANOFORGE_SKIP("no CPython 3.12 install with setuptools/wheel wheels on this machine");
  REQUIRE(example.build.exit_code == 0);
  auto again = run(nanoforge_command("build --json -f " + shell_quote(example.spec.string()) + " --find-links " +
                             shell_quote(example.wheelhouse)) + " 2>/dev/null");
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  auto result = nlohmann::json::parse(again.output);
  CHECK(result["nothingChanged"] == true);
  auto first = nlohmann::json::parse(example.build.output);
  CHECK(result["images"][0]["digest"] == first["images"][0]["digest"]);
  CHECK(result["seconds"].get<double>() < 5.0);  // the target (0.3 s) is measured by bench/, not here

  // --report writes the same JSON where it is told, creating the directories.
  TempDir elsewhere;
  auto report_file = elsewhere.path() / "reports" / "build.json";
  auto reported = run(nanoforge_command("build -q -f " + shell_quote(example.spec.string()) + " --find-links " +
                                        shell_quote(example.wheelhouse) + " --report " +
                                        shell_quote(report_file.string())));
  INFO(reported.output);
  REQUIRE(reported.exit_code == 0);
  auto written = nlohmann::json::parse(read_text(report_file));
  CHECK(written["nothingChanged"] == true);
  CHECK(written["images"] == result["images"]);

  // --digest-file belongs to --push: refused, and no file is written.
  auto digest_file = elsewhere.path() / "digests.txt";
  auto refused = run(nanoforge_command("build -f " + shell_quote(example.spec.string()) + " --find-links " +
                                       shell_quote(example.wheelhouse) + " --digest-file " +
                                       shell_quote(digest_file.string())));
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.output, Catch::Contains("--digest-file is for --push"));
  CHECK_FALSE(fs::exists(digest_file));
}

TEST_CASE("verify --run proves the guide's checks in a real engine", "[e2e][engines]") {
  auto& example = BuiltExample::get();
  if (example.wheelhouse.empty()) NANOFORGE_SKIP("no CPython 3.12 install with setuptools/wheel wheels on this machine");
  REQUIRE(example.build.exit_code == 0);
  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP("dockerd unavailable: " + harness.docker_unavailable);
  auto verified = run("DOCKER_HOST=" + shell_quote(*harness.docker_host) + " " + example.verify("--json --run"));
  INFO(verified.output);
  auto report = parse_report(verified.output);
  CHECK(failed_checks(report).empty());
  CHECK(check_named(report, "run: which python")["status"] == "pass");
  CHECK(check_named(report, "run: venv python --version")["figure"].get<std::string>().starts_with("Python 3.12."));
  CHECK(check_named(report, "run: GET /health")["status"] == "pass");
}

TEST_CASE("each invariant broken on purpose fails exactly its check, naming the file", "[e2e][errors]") {
  auto& example = BuiltExample::get();
  if (example.wheelhouse.empty()) NANOFORGE_SKIP("no CPython 3.12 install with setuptools/wheel wheels on this machine");
  REQUIRE(example.build.exit_code == 0);
  auto layout = example.directory / ".nanoforge/oci";
  auto verify_json = [&](const std::string& arguments) {
    auto result = run(nanoforge_command("verify --json --layout " + shell_quote(layout.string()) + " " + arguments));
    INFO(result.output);
    REQUIRE(result.output.find('{') != std::string::npos);
    return std::make_pair(result.exit_code, parse_report(result.output));
  };

  SECTION("a build path left in a script fails relocatable") {
    TempDir copy;
    run("cp -a " + shell_quote((example.directory / "venv").string()) + " " + shell_quote((copy / "venv").string()));
    write_text(copy / "venv/bin/leaky", "#!" + (copy / "venv/bin/python").string() + "\n");
    auto [code, report] = verify_json("--venv " + shell_quote((copy / "venv").string()) + " --module example_gateway");
    CHECK(code == 3);
    CHECK(failed_checks(report) == std::vector<std::string>{"relocatable"});
    CHECK_THAT(check_named(report, "relocatable")["detail"].get<std::string>(), Catch::Contains("bin/leaky"));
  }

  SECTION("a library the venv needs that the runtime lacks fails elf-closure") {
    TempDir copy;
    run("cp -a " + shell_quote((example.directory / "venv").string()) + " " + shell_quote((copy / "venv").string()));
    // libarchive needs libraries (libxml2, libacl, liblz4, ...) the runtime image does not have.
    auto library = run("ls /usr/lib/x86_64-linux-gnu/libarchive.so.13* | head -1").output;
    library = library.substr(0, library.find('\n'));
    REQUIRE(fs::exists(library));
    fs::copy_file(fs::canonical(library), copy / "venv/lib/libarchive-extra.so");
    auto [code, report] = verify_json("nanobot:0.1.0 --venv " + shell_quote((copy / "venv").string()) +
                                      " --module example_gateway");
    CHECK(code == 3);
    CHECK(failed_checks(report) == std::vector<std::string>{"elf-closure"});
    CHECK_THAT(check_named(report, "elf-closure")["detail"].get<std::string>(), Catch::Contains("libarchive-extra.so"));
  }

  SECTION("the module that does not import fails app-import") {
    auto [code, report] = verify_json("--venv " + shell_quote((example.directory / "venv").string()) +
                                      " --module no_such_module_here");
    CHECK(code == 3);
    CHECK(failed_checks(report) == std::vector<std::string>{"app-import"});
  }

  SECTION("a size budget too small fails size-budget") {
    auto text = read_text(example.spec);
    auto small = text.substr(0, text.find("budgets:")) + "budgets:\n  runtime_uncompressed: 1MB\n  runtime_compressed: 20MB\n";
    auto spec = example.directory / "small-budget.yaml";
    write_text(spec, small);
    auto result = run(nanoforge_command("verify --json -f " + shell_quote(spec.string()) + " --layout " + shell_quote(layout.string())));
    INFO(result.output);
    auto report = parse_report(result.output);
    CHECK(result.exit_code == 3);
    CHECK(failed_checks(report) == std::vector<std::string>{"size-budget nanobot:0.1.0"});
  }

  SECTION("a python3 file in a runtime tree fails no-system-python, naming it") {
    TempDir project;
    fs::create_directories(project / "root/usr/bin");
    fs::copy_file("/bin/busybox", project / "root/usr/bin/busybox");
    write_text(project / "root/usr/bin/python3", "#!/bin/sh\n");
    write_text(project / "nanoforge.yaml",
               "images:\n  - name: sneaky\n    layers: [{source: root}]\n"
               "    config: {user: \"1000:1000\", env: {HOME: /data}, entrypoint: [/usr/bin/busybox], ports: [\"18790\"],\n"
               "             healthcheck: {test: [CMD, /usr/bin/busybox, \"true\"]}}\n");
    auto build = run(nanoforge_command("build -f " + shell_quote((project / "nanoforge.yaml").string())));
    REQUIRE(build.exit_code == 0);
    auto result = run(nanoforge_command("verify --json --layout " + shell_quote((project / ".nanoforge/oci").string()) + " sneaky:latest"));
    INFO(result.output);
    auto report = parse_report(result.output);
    CHECK(result.exit_code == 3);
    CHECK(failed_checks(report) == std::vector<std::string>{"no-system-python sneaky:latest"});
    CHECK_THAT(check_named(report, "no-system-python")["detail"].get<std::string>(), Catch::Contains("/usr/bin/python3"));
  }
}

TEST_CASE("verify with a tag that does not exist or no engine says so", "[e2e][errors]") {
  auto& example = BuiltExample::get();
  if (example.wheelhouse.empty()) NANOFORGE_SKIP("no CPython 3.12 install with setuptools/wheel wheels on this machine");
  auto layout = example.directory / ".nanoforge/oci";
  auto missing = run(nanoforge_command("verify --layout " + shell_quote(layout.string()) + " nanobot:nope"));
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.output, Catch::Contains("nanobot:nope"));
  // No engine reachable: --run says so, and the static checks still run and pass.
  auto no_engine = run("DOCKER_HOST=unix:///nonexistent.sock PATH=/nonexistent " +
                       example.verify("--json --run"));
  INFO(no_engine.output);
  auto report = parse_report(no_engine.output);
  auto run_check = check_named(report, "run");
  REQUIRE(run_check != nullptr);
  CHECK(run_check["status"] == "skip");
  CHECK_THAT(run_check["detail"].get<std::string>(), Catch::Contains("docker"));
  CHECK(check_named(report, "python-version")["status"] == "pass");
}

TEST_CASE("build --push publishes every image and tag, and venv pull brings the venv back on another host", "[e2e][publish]") {
  auto& example = BuiltExample::get();
  if (example.wheelhouse.empty()) NANOFORGE_SKIP("no CPython 3.12 install with setuptools/wheel wheels on this machine");
  REQUIRE(example.build.exit_code == 0);
  const auto& harness = Harness::get();
  if (!harness.registry) NANOFORGE_SKIP("registry unavailable: " + harness.registry_unavailable);
  const std::string prefix = *harness.registry + "/publish-" + std::to_string(::getpid());
  TempDir elsewhere("nanoforge-venv-pull");
  auto digest_file = elsewhere / "digests.txt";
  auto pushed = run(nanoforge_command("build --json -f " + shell_quote(example.spec.string()) + " --find-links " +
                                      shell_quote(example.wheelhouse) + " --push " + prefix + " --insecure-registry " +
                                      *harness.registry + " --digest-file " + shell_quote(digest_file.string())) +
                    " 2>/dev/null");
  INFO(pushed.output);
  REQUIRE(pushed.exit_code == 0);
  auto result = nlohmann::json::parse(pushed.output);
  CHECK(result["nothingChanged"] == true);
  std::map<std::string, std::string> digest_of;  // remote reference -> manifest digest
  for (const auto& push : result["pushed"])
    for (const auto& reference : push["references"]) digest_of[reference] = push["digest"];
  for (const std::string name : {"nanobot", "nanobot-full", "nanobot-venv"})
    for (const std::string tag : {"0.1.0", "latest"}) {
      auto reference = prefix + "/" + name + ":" + tag;
      REQUIRE(digest_of.count(reference));
      // The registry, asked by a tool we did not write, holds what the build made.
      auto inspected = run("skopeo inspect --tls-verify=false --raw docker://" + reference + " | sha256sum");
      CHECK(inspected.output.substr(0, 64) == digest_of[reference].substr(7));
    }
  CHECK(read_text(digest_file).find(digest_of[prefix + "/nanobot:0.1.0"]) != std::string::npos);
  // The build report beside the spec holds what --json printed, pushes included.
  auto report = nlohmann::json::parse(read_text(example.directory / ".nanoforge/build-report.json"));
  CHECK(report["pushed"] == result["pushed"]);
  CHECK(report["images"] == result["images"]);
  // Every blob went up once: the full image mounts or skips the runtime's and venv's layers.
  std::uint64_t sent = 0, total_unique = 0;
  for (const auto& push : result["pushed"]) sent += push["blobBytesSent"].get<std::uint64_t>();
  for (const auto& image : result["images"])
    if (image["references"][0] == "nanobot-full:0.1.0") total_unique = image["size"].get<std::uint64_t>();
  CHECK(sent <= total_unique + 64 * 1024);  // + the configs and nothing else

  // Another host: only the registry. The venv comes back whole, runs, and replaces nothing
  // when the image is not a venv image.
  auto pulled = run_split("cd " + shell_quote(elsewhere.path().string()) + " && " +
                          nanoforge_command("--json --layout oci venv pull " + prefix + "/nanobot-venv:0.1.0 --insecure-registry " +
                                            *harness.registry));
  INFO(pulled.err);
  REQUIRE(pulled.exit_code == 0);
  REQUIRE(not_one_json_document(pulled.out) == "");
  CHECK(nlohmann::json::parse(pulled.out)["pythonVersion"].get<std::string>().rfind("3.12.", 0) == 0);
  CHECK(run(shell_quote((elsewhere / "venv/bin/python").string()) + " -c 'import example_gateway, sys; "
            "print(sys.version_info[:2])'").output.find("(3, 12)") != std::string::npos);
  CHECK(fs::exists(elsewhere / "venv.tar.gz"));
  auto version_before = read_text(elsewhere / "venv/VERSION.txt");
  auto wrong = run("cd " + shell_quote(elsewhere.path().string()) + " && " +
                   nanoforge_command("--layout oci venv pull " + prefix + "/nanobot:0.1.0 --insecure-registry " +
                                     *harness.registry));
  CHECK(wrong.exit_code == 1);
  CHECK_THAT(wrong.output, Catch::Contains("holds no nanoforge venv"));
  CHECK(read_text(elsewhere / "venv/VERSION.txt") == version_before);
  CHECK_FALSE(fs::exists(elsewhere / ".venv.pulling"));

  // A bad --push is refused before anything is built.
  auto bad = run(nanoforge_command("build -f " + shell_quote(example.spec.string()) + " --push " + prefix + "/x:tag"));
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.output, Catch::Contains("without a tag"));
}

TEST_CASE("build --load puts every tag into the local engine", "[e2e][publish][engines]") {
  auto& example = BuiltExample::get();
  if (example.wheelhouse.empty()) NANOFORGE_SKIP("no CPython 3.12 install with setuptools/wheel wheels on this machine");
  REQUIRE(example.build.exit_code == 0);
  const auto& harness = Harness::get();
  if (!harness.docker_host) NANOFORGE_SKIP("dockerd unavailable: " + harness.docker_unavailable);
  auto docker = "DOCKER_HOST=" + shell_quote(*harness.docker_host) + " ";
  run(docker + "docker rmi -f nanobot-full:0.1.0 nanobot-full:latest >/dev/null 2>&1");
  auto loaded = run(docker + nanoforge_command("build -f " + shell_quote(example.spec.string()) + " --find-links " +
                                               shell_quote(example.wheelhouse) + " --load"));
  INFO(loaded.output);
  REQUIRE(loaded.exit_code == 0);
  auto built = run(nanoforge_command("inspect --json --layout " +
                                     shell_quote((example.directory / ".nanoforge/oci").string()) + " nanobot-full:0.1.0"));
  auto config_digest = nlohmann::json::parse(built.output.substr(built.output.find('{')))["manifest"]["config"]["digest"];
  // Docker's image ID is the config digest: the engine holds exactly the built image.
  CHECK(run(docker + "docker image inspect --format '{{.Id}}' nanobot-full:0.1.0").output.substr(0, 71) ==
        config_digest.get<std::string>());
  auto echoed = run(docker + "docker run --rm --entrypoint /opt/venv/bin/python nanobot-full:latest -c 'print(6*7)'");
  CHECK(echoed.output.find("42") != std::string::npos);
  // No engine: --load says so before building anything.
  auto none = run("DOCKER_HOST=unix:///nonexistent.sock PATH=/nonexistent " +
                  nanoforge_command("build -f " + shell_quote(example.spec.string()) + " --load"));
  CHECK(none.exit_code == 1);
  CHECK_THAT(none.output, Catch::Contains("--load: no container engine"));
}
