// The compose cache's key includes the code that rendered the services: a cache another build
// of nanoforge wrote is not used, whether or not its rendering version was bumped by hand.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "deploy/compose.h"
#include "instance_test_support.h"
#include "base/program_identity.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

TEST_CASE("the running program's build ID is the one its ELF note holds", "[compose-cache]") {
  const std::string& id = program_build_id();
  char self[4096] = {};
  REQUIRE(::readlink("/proc/self/exe", self, sizeof self - 1) > 0);
  auto readelf = run("readelf -n " + shell_quote(self) + " | sed -n 's/.*Build ID: *//p'");
  if (readelf.exit_code != 0 || readelf.output.empty()) NANOFORGE_SKIP("readelf shows no build ID for this test program");
  CHECK(id + "\n" == readelf.output);
  CHECK(id.size() >= 16);
}

TEST_CASE("compose: a cache written by another build of nanoforge is rendered again", "[compose-cache]") {
  if (program_build_id().empty()) NANOFORGE_SKIP("this test program has no build ID");
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790);
  auto render = [&] { return render_compose(deployment, deployment.load_instances()); };
  const std::string fresh = render();
  std::string cache = read_text(deployment.compose_cache_file());
  // Alice's cached text edited: shows up while the cache is this binary's...
  auto at = cache.find("container_name: nanobot-alice");
  REQUIRE(at != std::string::npos);
  cache.replace(at, 29, "container_name: nanobot-ALICE");
  write_text(deployment.compose_cache_file(), cache);
  CHECK_THAT(render(), Catch::Contains("nanobot-ALICE"));
  // ...and not once the cache says another build wrote it (same rendering version, same settings).
  cache = read_text(deployment.compose_cache_file());
  auto id = cache.find(program_build_id());
  REQUIRE(id != std::string::npos);
  std::string other = program_build_id();
  other[0] = other[0] == '0' ? '1' : '0';
  cache.replace(id, other.size(), other);
  write_text(deployment.compose_cache_file(), cache);
  CHECK(render() == fresh);
}
