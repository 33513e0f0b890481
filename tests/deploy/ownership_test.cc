// The ownership modes (deploy/ownership.h): who the container runs as, what the compose file
// says for each, and the writable state given to the container's user.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "deploy/compose_service.h"
#include "deploy/ownership.h"
#include "instance_test_support.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

TEST_CASE("compose: the container's user follows the ownership mode", "[compose][ownership]") {
  // Pure: the three ways people run nanoforge (ownership.h).
  auto as_root = ownership_for("", 0, 0);
  CHECK(as_root.mode == OwnershipMode::root_chown);
  CHECK(as_root.compose_user() == "1000:1000");
  CHECK_FALSE(as_root.userns_mode());
  CHECK(ownership_for("podman", 0, 0).mode == OwnershipMode::root_chown);  // rootful Podman refuses keep-id
  auto docker_group = ownership_for("docker", 1234, 2345);
  CHECK(docker_group.mode == OwnershipMode::invoking_user);
  CHECK(docker_group.compose_user() == "1234:2345");
  CHECK_FALSE(docker_group.chowns());
  CHECK(ownership_for("", 1234, 2345).mode == OwnershipMode::invoking_user);  // no engine recorded yet
  auto rootless = ownership_for("podman", 1234, 2345);
  CHECK(rootless.mode == OwnershipMode::rootless_keep_id);
  CHECK(rootless.compose_user() == "1000:1000");
  CHECK(rootless.userns_mode() == std::optional<std::string>("keep-id:uid=1000,gid=1000"));

  // The emitter renders what the mode says, in the shared part.
  DeploymentSettings settings;
  YAML::Node base = shared_service(settings, rootless);
  CHECK(base["user"].as<std::string>() == "1000:1000");
  CHECK(base["userns_mode"].as<std::string>() == "keep-id:uid=1000,gid=1000");
  base = shared_service(settings, docker_group);
  CHECK(base["user"].as<std::string>() == "1234:2345");
  CHECK_FALSE(base["userns_mode"]);
}

TEST_CASE("the writable state: HOME with its mount points, given to the container's user as root", "[ownership]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18800);
  fs::path instance = deployment.instance_dir("alice");
  for (const char* sub : {"home/.nanobot", "home/workspace", "home/.local/share", "home/.cache", "home/.config"})
    CHECK(fs::is_directory(instance / sub));
  struct stat info {};
  auto owner_of = [&](const fs::path& path) {
    REQUIRE(::lstat(path.c_str(), &info) == 0);
    return std::to_string(info.st_uid) + ":" + std::to_string(info.st_gid);
  };
  if (::geteuid() != 0) {
    // Not root: nothing is given away; the container runs as this user (or keep-id maps it).
    CHECK(owner_of(instance / "config") == std::to_string(::geteuid()) + ":" + std::to_string(::getegid()));
    return;
  }
  for (const char* path : {"config", "config/config.json", "config/sessions", "workspace", "workspace/SOUL.md",
                           "home", "home/.nanobot", "home/.local/share"})
    CHECK(owner_of(instance / path) == "1000:1000");
  CHECK(owner_of(instance / "instance.json") == "0:0");  // nanoforge's own record stays root's
  CHECK(owner_of(instance / ".env") == "0:1000");        // read by the group, written by root

  // A file root added later (an editor's new file) is given away again by the next prepare.
  write_text(instance / "workspace/notes.md", "x");
  REQUIRE(::lchown((instance / "workspace/notes.md").c_str(), 0, 0) == 0);
  prepare_writable_state(instance, deployment_ownership(deployment));
  CHECK(owner_of(instance / "workspace/notes.md") == "1000:1000");
}
