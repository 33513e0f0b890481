// instance delete without an engine: the backup first, then the files and the compose entry.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "base/error.h"
#include "deploy/backup.h"
#include "deploy/compose.h"
#include "deploy/instance_delete.h"
#include "instance_test_support.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

TEST_CASE("delete takes a backup with the secrets, then removes the instance and its service", "[delete]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18800);
  make_instance(deployment, "bob", 18801);
  write_compose(deployment);
  auto alice_files = snapshot(deployment.instance_dir("alice"));

  auto result = delete_instance(deployment, "alice", false, nullptr);
  CHECK(result.name == "alice");
  REQUIRE(result.backup);
  CHECK(result.backup->parent_path() == deployment.backups_dir());
  struct stat info {};
  REQUIRE(::stat(result.backup->c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);  // it holds the API key
  CHECK_FALSE(fs::exists(deployment.instance_dir("alice")));
  CHECK(deployment.instance_names() == std::vector<std::string>{"bob"});
  auto compose = read_text(deployment.compose_file());
  CHECK(compose.find("nanobot-alice") == std::string::npos);
  CHECK_THAT(compose, Catch::Contains("nanobot-bob"));
  for (const auto& entry : fs::directory_iterator(deployment.instances_dir()))
    CHECK(entry.path().filename().string().rfind(".deleting-", 0) == std::string::npos);

  // The backup gives alice back as she was, secrets and all.
  auto restored = restore_backup(deployment, *result.backup, false, nullptr);
  CHECK(restored.instances == std::vector<std::string>{"alice"});
  CHECK(restored.secrets_to_supply.empty());
  CHECK(snapshot(deployment.instance_dir("alice")) == alice_files);
}

TEST_CASE("delete without a backup, and of what is not there", "[delete]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18800);
  write_compose(deployment);
  auto result = delete_instance(deployment, "alice", true, nullptr);
  CHECK_FALSE(result.backup);
  CHECK_FALSE(fs::exists(deployment.backups_dir()));
  CHECK_THROWS_WITH(delete_instance(deployment, "alice", true, nullptr), Catch::Contains("alice"));
  CHECK_THROWS_AS(delete_instance(deployment, "../etc", true, nullptr), Error);
}
