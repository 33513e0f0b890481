// `nanoforge compose`'s settings change: saved with the compose file, or not at all.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/error.h"
#include "deploy/compose_settings.h"
#include "instance_test_support.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;

TEST_CASE("a settings change is saved with the compose file that uses it", "[compose-settings]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18800);
  SettingsChange change;
  change.image = "registry.example:5000/team/nanobot@sha256:" + std::string(64, 'a');
  change.publish = "0.0.0.0";
  change.project = "My Team";
  auto written = write_compose_with(deployment, change);
  CHECK(written.instances == 1);
  CHECK(deployment.settings().image == change.image);
  CHECK(deployment.settings().publish_address == "0.0.0.0");
  CHECK(deployment.settings().project == project_name_for("My Team"));
  auto compose = read_text(deployment.compose_file());
  CHECK_THAT(compose, Catch::Contains(change.image));
  CHECK_THAT(compose, Catch::Contains("0.0.0.0:18800"));
}

TEST_CASE("a change of mode switches the default image, never the user's", "[compose-settings]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18800);
  SettingsChange to_full;
  to_full.mode = "self-contained";
  CHECK(write_compose_with(deployment, to_full).settings.image == "nanobot-full:latest");
  SettingsChange back;
  back.mode = "mounted";
  CHECK(write_compose_with(deployment, back).settings.image == "nanobot:latest");

  SettingsChange mine;
  mine.image = "team/agent:7";
  write_compose_with(deployment, mine);
  CHECK(write_compose_with(deployment, to_full).settings.image == "team/agent:7");
  CHECK(deployment.settings().mode == RuntimeMode::self_contained);
}

TEST_CASE("a bad value or a broken instance changes nothing", "[compose-settings]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18800);
  write_compose_with(deployment, {});
  auto before = snapshot(dir.path());

  SettingsChange bad_image;
  bad_image.image = "nanobot:${TAG}";
  CHECK_THROWS_AS(write_compose_with(deployment, bad_image), Error);
  SettingsChange bad_address;
  bad_address.publish = "not-an-address";
  CHECK_THROWS_AS(write_compose_with(deployment, bad_address), Error);
  SettingsChange bad_mode;
  bad_mode.mode = "sideways";
  CHECK_THROWS_AS(write_compose_with(deployment, bad_mode), Error);
  CHECK(snapshot(dir.path()) == before);

  // A broken config.json is found while rendering: the new image is not saved either.
  write_text(deployment.instance_dir("alice") / "config/config.json", "{ not json");
  auto broken = snapshot(dir.path());
  SettingsChange good_image;
  good_image.image = "nanobot:2";
  CHECK_THROWS_AS(write_compose_with(deployment, good_image), Error);
  CHECK(snapshot(dir.path()) == broken);
  CHECK(deployment.settings().image == "nanobot:latest");
}

TEST_CASE("the engine the file is for is recorded, and an unknown one refused", "[compose-settings]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18800);
  SettingsChange podman;
  podman.engine = "podman-compose";
  CHECK(write_compose_with(deployment, podman).settings.engine == "podman");
  CHECK(deployment.settings().engine == "podman");
  // As root Podman is rootful and keeps the image's user; a rootless user gets keep-id.
  bool keep_id = read_text(deployment.compose_file()).find("userns_mode: keep-id:uid=1000,gid=1000") != std::string::npos;
  CHECK(keep_id == (::geteuid() != 0));
  auto before = snapshot(dir.path());
  SettingsChange unknown;
  unknown.engine = "lxc";
  CHECK_THROWS_WITH(write_compose_with(deployment, unknown), Catch::Contains("unknown engine 'lxc'"));
  CHECK(snapshot(dir.path()) == before);
}
