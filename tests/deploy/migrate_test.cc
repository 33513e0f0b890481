// Migration of a guide-style or Nanobot home into an instance: config conversion, secrets
// moved to .env, refusals of what is not a Nanobot home.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "deploy/migrate.h"
#include "instance_test_support.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

TEST_CASE("migrate converts the guide's flat config and copies the home", "[migrate]") {
  TempDir dir;
  fs::path home = dir / "dot-nanobot";
  write_text(home / "config.json",
             R"({"model": "gpt-4o-mini", "api_key": "sk-real-key", "temperature": 0.5, "max_tokens": 2048,
                 "gateway": {"host": "0.0.0.0", "port": 18790}, "workspace": "/data/.nanobot/workspace",
                 "sessions_dir": "/data/.nanobot/sessions", "log_level": "INFO"})");
  write_text(home / "workspace/SOUL.md", "my old soul\n");
  write_text(home / "workspace/memory/m.md", "memory\n");
  write_text(home / "sessions/one.jsonl", "{}\n");
  Deployment deployment(dir / "deploy");
  MigrateRequest request{home, "migrated", std::nullopt};
  auto result = migrate_instance(deployment, request, no_port_in_use);
  fs::path instance = deployment.instance_dir("migrated");
  auto config = nlohmann::json::parse(read_text(instance / "config/config.json"));
  CHECK(config["agents"]["defaults"]["model"] == "gpt-4o-mini");
  CHECK(config["agents"]["defaults"]["maxTokens"] == 2048);
  CHECK(config["agents"]["defaults"]["temperature"] == 0.5);
  CHECK(config["agents"]["defaults"]["workspace"] == "/data/workspace");
  CHECK(config["providers"]["openai"]["apiKey"] == "${OPENAI_API_KEY}");
  CHECK_FALSE(config.contains("api_key"));
  CHECK_THAT(read_text(instance / ".env"), Catch::Contains("OPENAI_API_KEY=sk-real-key"));
  CHECK(read_text(instance / "workspace/SOUL.md") == "my old soul\n");
  CHECK(read_text(instance / "workspace/memory/m.md") == "memory\n");
  CHECK(read_text(instance / "config/sessions/one.jsonl") == "{}\n");
  CHECK(result.dropped == std::vector<std::string>{"log_level", "sessions_dir", "workspace"});
  CHECK(result.instance.soul == "custom");
  CHECK(read_text(home / "config.json").find("sk-real-key") != std::string::npos);  // the source is only read
}

TEST_CASE("migrate keeps Nanobot's own schema, moving keys to .env", "[migrate]") {
  auto converted = convert_nanobot_config(
      nlohmann::json::parse(R"({"agents": {"defaults": {"model": "anthropic/claude-3-5-sonnet", "workspace": "~/.nanobot/workspace"}},
                                "providers": {"openrouter": {"apiKey": "sk-or-1"}}, "channels": {"telegram": {"enabled": false}}})"),
      "config.json");
  CHECK(converted.config["providers"]["openrouter"]["apiKey"] == "${OPENROUTER_API_KEY}");
  CHECK(converted.secrets.at("OPENROUTER_API_KEY") == "sk-or-1");
  CHECK(converted.config["agents"]["defaults"]["workspace"] == "/data/workspace");
  CHECK(converted.config["channels"]["telegram"]["enabled"] == false);
  CHECK(converted.provider == "openrouter");
}

TEST_CASE("migrate refuses what is not a Nanobot home", "[migrate]") {
  TempDir dir;
  Deployment deployment(dir / "deploy");
  fs::create_directories(dir / "empty");
  CHECK_THROWS_WITH(migrate_instance(deployment, {dir / "empty", "x", std::nullopt}, no_port_in_use),
                    Catch::Contains("not a Nanobot home"));
  write_text(dir / "other/config.json", R"({"name": "some other tool"})");
  CHECK_THROWS_WITH(migrate_instance(deployment, {dir / "other", "x", std::nullopt}, no_port_in_use),
                    Catch::Contains("is this a Nanobot config.json"));
  CHECK_FALSE(fs::exists(deployment.instance_dir("x")));
}
