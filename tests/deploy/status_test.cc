#include <catch2/catch.hpp>

#include "deploy/status.h"

using namespace nanoforge::deploy;

TEST_CASE("memory sizes from docker and podman stats", "[status]") {
  CHECK(parse_memory_size("500KiB") == 512000u);
  CHECK(parse_memory_size("256MiB") == 268435456u);
  CHECK(parse_memory_size("1.5GiB") == 1610612736u);
  CHECK(parse_memory_size("495.6kB") == 495600u);
  CHECK(parse_memory_size("268.4MB") == 268400000u);
  CHECK(parse_memory_size("0B") == 0u);
  CHECK_FALSE(parse_memory_size("lots"));
  CHECK_FALSE(parse_memory_size("12 parsecs"));
}

TEST_CASE("status table marks only running and healthy instances", "[status]") {
  InstanceStatus up;
  up.name = "alice";
  up.port = 18790;
  up.state = "running";
  up.health = "healthy";
  up.cpu_percent = 0.5;
  up.memory_used = 150u * 1024 * 1024;
  up.memory_limit = 1024u * 1024 * 1024;
  InstanceStatus down;
  down.name = "bob";
  down.port = 18791;
  down.state = "exited";
  std::string table = format_status_table({up, down});
  CHECK_THAT(table, Catch::Contains("✓ alice") && Catch::Contains("0.50%") && Catch::Contains("150.0MiB / 1.0GiB"));
  CHECK_THAT(table, Catch::Contains("✗ bob") && Catch::Contains("exited"));
  auto json = status_json({up, down});
  CHECK(json[0]["ok"] == true);
  CHECK(json[0]["memoryUsedBytes"] == 150u * 1024 * 1024);
  CHECK(json[1]["ok"] == false);
  CHECK(json[1]["cpuPercent"].is_null());
}

TEST_CASE("the health probe needs an answer on the port", "[status]") {
  // Port 1 on loopback: nothing listens there for an unprivileged test.
  CHECK_FALSE(probe_health(1, 500));
}
