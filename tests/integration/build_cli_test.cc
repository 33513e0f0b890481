// The foundation's CLI end to end: build a spec of layers, inspect, export, gc, and the
// errors bad specs get — driven through the nanoforge binary as a user would.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

std::string nanoforge_command(const std::string& arguments) { return shell_quote(nanoforge_binary()) + " " + arguments; }

// A spec directory with a static busybox tree (Debian's busybox-static) and a data dir.
void write_busybox_project(const fs::path& directory, const std::string& extra_config = "") {
  fs::create_directories(directory / "root/bin");
  fs::create_directories(directory / "root/data");
  fs::copy_file("/bin/busybox", directory / "root/bin/busybox");
  fs::create_symlink("busybox", directory / "root/bin/sh");
  fs::create_symlink("busybox", directory / "root/bin/echo");
  write_text(directory / "root/etc/greeting", "hello from nanoforge\n");
  write_text(directory / "nanoforge.yaml",
             "name: hello\n"
             "images:\n"
             "  - name: hello\n"
             "    tags: [latest, \"0.1\"]\n"
             "    layers:\n"
             "      - source: root\n"
             "        destination: /\n"
             "        owners:\n"
             "          - {path: /data, uid: 1000, gid: 1000}\n"
             "    config:\n"
             "      entrypoint: [/bin/busybox]\n"
             "      cmd: [cat, /etc/greeting]\n"
             "      env: {PATH: /bin, GREETING: hello}\n"
             "      workdir: /data\n"
             "      user: \"1000:1000\"\n"
             "      ports: [\"8080\"]\n"
             "      labels: {org.opencontainers.image.title: hello}\n"
             "      healthcheck: {test: [CMD, /bin/busybox, \"true\"], interval: 10s}\n" +
                 extra_config);
}

nlohmann::json build_json(const fs::path& directory, const fs::path& cache) {
  auto result = run(nanoforge_command("build --json -f " + shell_quote((directory / "nanoforge.yaml").string()) +
                              " --cache-dir " + shell_quote(cache.string())) + " 2>/dev/null");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return nlohmann::json::parse(result.output);
}

}  // namespace

TEST_CASE("build writes a layout skopeo reads, inspect and images show it", "[build]") {
  TempDir project;
  write_busybox_project(project.path());
  auto built = build_json(project.path(), project / "cache");
  REQUIRE(built["images"].size() == 1);
  auto digest = built["images"][0]["digest"].get<std::string>();
  auto layout = project / ".nanoforge/oci";
  REQUIRE(fs::exists(layout / "index.json"));

  auto skopeo = run("skopeo inspect --raw oci:" + shell_quote(layout.string()) + ":hello:0.1");
  INFO(skopeo.output);
  REQUIRE(skopeo.exit_code == 0);
  CHECK(nlohmann::json::parse(skopeo.output)["layers"].size() == 1);

  auto inspect = run(nanoforge_command("inspect --json --layout " + shell_quote(layout.string()) + " hello:latest"));
  INFO(inspect.output);
  REQUIRE(inspect.exit_code == 0);
  auto image = nlohmann::json::parse(inspect.output);
  CHECK(image["digest"] == digest);
  CHECK(image["config"]["config"]["User"] == "1000:1000");
  CHECK(image["config"]["config"]["ExposedPorts"].contains("8080/tcp"));
  CHECK(image["config"]["config"]["Healthcheck"]["Interval"] == 10'000'000'000LL);

  auto human = run(nanoforge_command("inspect --layout " + shell_quote(layout.string()) + " hello:0.1"));
  CHECK(human.exit_code == 0);
  CHECK(human.output.find(digest) != std::string::npos);

  auto images = run(nanoforge_command("images --layout " + shell_quote(layout.string())));
  CHECK(images.output.find("hello:latest") != std::string::npos);
  CHECK(images.output.find("hello:0.1") != std::string::npos);
}

TEST_CASE("an unchanged second build reuses every step and says nothing changed", "[build]") {
  TempDir project;
  write_busybox_project(project.path());
  auto first = build_json(project.path(), project / "cache");
  auto second = build_json(project.path(), project / "cache");
  CHECK(first["images"][0]["digest"] == second["images"][0]["digest"]);
  CHECK(second["nothingChanged"] == true);
  CHECK_FALSE(first["nothingChanged"].get<bool>());

  // A changed file rebuilds the layer and changes the digest.
  write_text(project / "root/etc/greeting", "changed\n");
  auto third = build_json(project.path(), project / "cache");
  CHECK(third["nothingChanged"] == false);
  CHECK(third["images"][0]["digest"] != first["images"][0]["digest"]);
}

TEST_CASE("an images: layer reruns for a changed file, mode or link target, naming it, and a touch changes nothing", "[build]") {
  TempDir project;
  write_busybox_project(project.path());
  auto cache = project / "cache";
  auto first = build_json(project.path(), cache);
  auto rerun_reason = [](const nlohmann::json& built) {
    for (const auto& step : built["steps"])
      if (!step["reused"].get<bool>()) return step.value("reason", std::string("(no reason)"));
    return std::string("(every step reused)");
  };

  // Same size, so only the content tells.
  write_text(project / "root/etc/greeting", "HELLO FROM NANOFORGE\n");
  auto content = build_json(project.path(), cache);
  CHECK(rerun_reason(content) == "etc/greeting changed");
  CHECK(content["images"][0]["digest"] != first["images"][0]["digest"]);

  fs::permissions(project / "root/etc/greeting", fs::perms::owner_exec, fs::perm_options::add);
  auto mode = build_json(project.path(), cache);
  CHECK(rerun_reason(mode) == "etc/greeting changed");
  CHECK(mode["images"][0]["digest"] != content["images"][0]["digest"]);

  fs::remove(project / "root/bin/echo");
  fs::create_symlink("sh", project / "root/bin/echo");
  auto link = build_json(project.path(), cache);
  CHECK(rerun_reason(link) == "bin/echo changed");
  CHECK(link["images"][0]["digest"] != mode["images"][0]["digest"]);

  run("touch " + shell_quote((project / "root/etc/greeting").string()));
  auto touched = build_json(project.path(), cache);
  CHECK(touched["nothingChanged"] == true);
  CHECK(touched["images"][0]["digest"] == link["images"][0]["digest"]);

  // The human summary says it too.
  write_text(project / "root/etc/greeting", "hello again\n");
  auto summary = run(nanoforge_command("build -f " + shell_quote((project / "nanoforge.yaml").string()) + " --cache-dir " +
                                       shell_quote(cache.string())));
  CHECK_THAT(summary.output, Catch::Contains("built") && Catch::Contains("etc/greeting changed"));
}

TEST_CASE("two builds in different directories at different times give identical blobs", "[build][reproducible]") {
  TempDir first, second;
  write_busybox_project(first.path());
  run("sleep 1.1");
  write_busybox_project(second.path());
  run("touch -d '2001-02-03 04:05:06' " + shell_quote((second / "root/etc/greeting").string()));
  auto a = build_json(first.path(), first / "cache");
  auto b = build_json(second.path(), second / "cache");
  CHECK(a["images"][0]["digest"] == b["images"][0]["digest"]);
  auto diff = run("diff -r " + shell_quote((first / ".nanoforge/oci/blobs").string()) + " " +
                  shell_quote((second / ".nanoforge/oci/blobs").string()));
  INFO(diff.output);
  CHECK(diff.exit_code == 0);
}

TEST_CASE("export writes a docker-archive that podman and docker load and run", "[build][engines]") {
  TempDir project;
  write_busybox_project(project.path());
  build_json(project.path(), project / "cache");
  auto archive = project / "hello.tar";
  auto exported = run(nanoforge_command("export --layout " + shell_quote((project / ".nanoforge/oci").string()) +
                                " hello:0.1 --docker-archive " + shell_quote(archive.string())));
  INFO(exported.output);
  REQUIRE(exported.exit_code == 0);
  REQUIRE(fs::exists(archive));

  const auto& harness = Harness::get();
  bool ran_any = false;
  if (harness.containers_conf) {
    auto load = run(harness.podman() + " load -i " + shell_quote(archive.string()));
    INFO(load.output);
    REQUIRE(load.exit_code == 0);
    auto output = run(harness.podman() + " run --rm localhost/hello:0.1");
    INFO(output.output);
    CHECK(output.output.find("hello from nanoforge") != std::string::npos);
    run(harness.podman() + " rmi -f localhost/hello:0.1");
    ran_any = true;
  }
  if (harness.docker_host) {
    auto load = run(harness.docker() + " load -i " + shell_quote(archive.string()));
    INFO(load.output);
    REQUIRE(load.exit_code == 0);
    auto output = run(harness.docker() + " run --rm hello:0.1");
    INFO(output.output);
    CHECK(output.output.find("hello from nanoforge") != std::string::npos);
    auto user = run(harness.docker() + " run --rm hello:0.1 id -u 2>/dev/null || " + harness.docker() +
                    " run --rm --entrypoint /bin/busybox hello:0.1 id -u");
    CHECK(user.output.find("1000") != std::string::npos);
    run(harness.docker() + " rmi -f hello:0.1");
    ran_any = true;
  }
  if (!ran_any) NANOFORGE_SKIP("no engine: " + harness.podman_unavailable + "; " + harness.docker_unavailable);
}

TEST_CASE("gc removes only unreferenced blobs", "[build]") {
  TempDir project;
  write_busybox_project(project.path());
  build_json(project.path(), project / "cache");
  write_text(project / "root/etc/greeting", "second version\n");
  build_json(project.path(), project / "cache");  // the first image's blobs are now untagged
  auto layout = project / ".nanoforge/oci";
  auto count = [&] {
    std::size_t blobs = 0;
    for (auto& entry : fs::directory_iterator(layout / "blobs/sha256")) blobs += entry.is_regular_file();
    return blobs;
  };
  auto before = count();
  auto gc = run(nanoforge_command("gc --layout " + shell_quote(layout.string())));
  INFO(gc.output);
  REQUIRE(gc.exit_code == 0);
  CHECK(count() == before - 3);  // the old layer, config and manifest
  auto skopeo = run("skopeo inspect oci:" + shell_quote(layout.string()) + ":hello:latest");
  CHECK(skopeo.exit_code == 0);
}

TEST_CASE("bad specs fail with the file, line and field, and leave the layout as it was", "[build][errors]") {
  TempDir project;
  write_busybox_project(project.path());
  build_json(project.path(), project / "cache");
  auto index_before = read_text(project / ".nanoforge/oci/index.json");
  auto spec = project / "nanoforge.yaml";
  auto original = read_text(spec);
  auto expect_error = [&](const std::string& text, const std::vector<std::string>& fragments) {
    write_text(spec, text);
    auto result = run(nanoforge_command("build -f " + shell_quote(spec.string()) + " --cache-dir " +
                                shell_quote((project / "cache").string())));
    INFO(text << "\n--- output:\n" << result.output);
    CHECK(result.exit_code == 1);
    for (const auto& fragment : fragments) CHECK(result.output.find(fragment) != std::string::npos);
    CHECK(read_text(project / ".nanoforge/oci/index.json") == index_before);
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    auto text = original;
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  expect_error(replace("    tags:", "    tagz:"), {"nanoforge.yaml:4:5", "tagz", "unknown key"});
  expect_error(replace("source: root", "source: ../outside"), {"images[0].layers[0].source", "escapes"});
  expect_error(replace("source: root", "source: /etc"), {"source", "relative"});
  expect_error(replace("source: root", "source: missing"), {"does not exist"});
  expect_error(replace("[\"8080\"]", "[\"70000\"]"), {"config.ports", "70000"});
  expect_error(replace("GREETING: hello", "BAD-NAME: hello"), {"config.env", "BAD-NAME"});
  expect_error(replace("interval: 10s", "interval: soon"), {"interval", "duration"});
  expect_error(replace("tags: [latest, \"0.1\"]", "tags: [\"bad tag\"]"), {"tags", "bad tag"});
  expect_error("images: [\n", {"nanoforge.yaml:", "invalid YAML"});
  expect_error(replace("name: hello\nimages", "name: hello\ncompression: lz4\nimages"), {"compression", "lz4"});

  auto missing = run(nanoforge_command("build -f " + shell_quote((project / "nope.yaml").string())));
  CHECK(missing.exit_code == 1);
  CHECK(missing.output.find("nope.yaml") != std::string::npos);

  // An unreadable file in a layer names the file.
  write_text(spec, original);
  write_text(project / "root/secret", "x");
  run("chmod 000 " + shell_quote((project / "root/secret").string()));
  if (::geteuid() != 0) {
    auto unreadable = run(nanoforge_command("build -f " + shell_quote(spec.string())));
    CHECK(unreadable.exit_code == 1);
    CHECK(unreadable.output.find("secret") != std::string::npos);
  }
  run("rm -f " + shell_quote((project / "root/secret").string()));

  // A socket in a layer is refused, naming it.
  auto socket_path = project / "root/control.sock";
  run("python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' " +
      shell_quote(socket_path.string()));
  if (fs::exists(socket_path)) {
    auto socket_build = run(nanoforge_command("build -f " + shell_quote(spec.string()) + " --cache-dir " +
                                      shell_quote((project / "cache").string())));
    INFO(socket_build.output);
    CHECK(socket_build.exit_code == 1);
    CHECK(socket_build.output.find("control.sock") != std::string::npos);
    fs::remove(socket_path);
  }

  // --layout naming a file is an error, and the file is untouched.
  write_text(project / "not-a-dir", "keep me");
  auto layout_file = run(nanoforge_command("build -f " + shell_quote(spec.string()) + " --layout " +
                                   shell_quote((project / "not-a-dir").string())));
  CHECK(layout_file.exit_code == 1);
  CHECK(layout_file.output.find("not-a-dir") != std::string::npos);
  CHECK(read_text(project / "not-a-dir") == "keep me");

  auto unknown_tag = run(nanoforge_command("inspect --layout " + shell_quote((project / ".nanoforge/oci").string()) + " hello:nope"));
  CHECK(unknown_tag.exit_code == 1);
  CHECK(unknown_tag.output.find("hello:nope") != std::string::npos);
}
