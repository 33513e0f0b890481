// The config check against upstream Nanobot's own verdicts: tests/data/nanobot-configs/ holds
// configs and verdicts.json, recorded by tests/tools/upstream-judge.sh running upstream's
// loader (HKUDS/nanobot at the schema's commit). Every verdict must be reproduced: the stage
// that fails, the paths of its issues, and the keys upstream drops silently.
#include "deploy/nanobot_config_check.h"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace nanoforge::deploy;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

fs::path corpus() { return source_dir() / "tests/data/nanobot-configs"; }

// The judge's sidecar NAME.env: KEY=VALUE lines, as a Docker env file.
std::map<std::string, std::string> sidecar_environment(const fs::path& config) {
  std::map<std::string, std::string> environment;
  fs::path sidecar = config;
  sidecar.replace_extension(".env");
  if (!fs::exists(sidecar)) return environment;
  std::istringstream lines(read_text(sidecar));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line.find('=') == std::string::npos) continue;
    environment[line.substr(0, line.find('='))] = line.substr(line.find('=') + 1);
  }
  return environment;
}

std::string joined(const std::set<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + (item.empty() ? "<root>" : item);
  return "[" + text + "]";
}

}  // namespace

TEST_CASE("the config check agrees with upstream Nanobot's loader on every recorded config", "[nanobot-config]") {
  auto verdicts = nlohmann::json::parse(read_text(corpus() / "verdicts.json"));
  REQUIRE(verdicts["upstream"]["commit"] == nanobot_schema_commit());  // data and schema from one upstream
  REQUIRE(verdicts["configs"].size() >= 45);
  std::vector<std::string> disagreements;
  for (const auto& [file, verdict] : verdicts["configs"].items()) {
    const fs::path path = corpus() / file;
    ConfigCheck check = check_nanobot_config(read_text(path), sidecar_environment(path));
    const std::string expected_stage = verdict["stage"];
    std::set<std::string> expected_paths, paths;
    for (const auto& issue : verdict.value("issues", nlohmann::json::array())) expected_paths.insert(issue["path"]);
    for (const auto& issue : check.issues)
      if (issue.error) paths.insert(issue.path);
    std::string problem;
    // The judge runs the loader and the provider check; the gateway's own start check of the
    // WebSocket channel comes after them, so a config only that check refuses is "ok" to the
    // judge (the corpus names such files valid-at-load-*).
    if (check.stage == ConfigStage::gateway && expected_stage == "ok" && file.starts_with("valid-at-load-")) continue;
    if (to_string(check.stage) != expected_stage)
      problem = "stage " + to_string(check.stage) + ", upstream " + expected_stage;
    else if (expected_stage != "provider" && expected_stage != "invalid_json" && expected_stage != "invalid_root" &&
             paths != expected_paths)
      problem = "paths " + joined(paths) + ", upstream " + joined(expected_paths);
    std::set<std::string> expected_ignored, ignored(check.ignored.begin(), check.ignored.end());
    for (const auto& key : verdict.value("ignored", nlohmann::json::array())) expected_ignored.insert(key);
    if (problem.empty() && verdict.contains("ignored") && ignored != expected_ignored)
      problem = "ignored " + joined(ignored) + ", upstream " + joined(expected_ignored);
    if (!problem.empty()) disagreements.push_back(file + ": " + problem + "\n" + describe_issues(check, file));
  }
  std::string report;
  for (const auto& line : disagreements) report += line + "\n";
  INFO(report);
  CHECK(disagreements.empty());
}

TEST_CASE("beyond the loader: ports no socket can bind, and an empty WebUI secret named by its variable", "[nanobot-config]") {
  const std::map<std::string, std::string> key{{"OPENAI_API_KEY", "k"}};
  auto check = [&](const std::string& text, const std::map<std::string, std::string>& environment) {
    return check_nanobot_config(text, environment);
  };
  const std::string provider = R"("providers": {"openai": {"apiKey": "${OPENAI_API_KEY}"}}, "agents": {"defaults": {"model": "gpt-4o"}})";
  ConfigCheck high = check("{\n\"gateway\": {\"port\": 99999},\n" + provider + "}", key);
  INFO(describe_issues(high, "config.json"));
  CHECK(high.stage == ConfigStage::gateway);
  CHECK_THAT(describe_issues(high, "config.json"),
             Catch::Contains("config.json:2: error: gateway.port: 99999 is not a port Nanobot can listen on"));
  CHECK(check("{\"gateway\": {\"port\": \"0\"}, " + provider + "}", key).stage == ConfigStage::gateway);
  CHECK(check("{\"gateway\": {\"port\": 65535}, " + provider + "}", key).ok());
  ConfigCheck webui = check("{\"channels\": {\"websocket\": {\"port\": 70000}}, " + provider + "}", key);
  CHECK_THAT(describe_issues(webui, "c"), Catch::Contains("channels.websocket.port: 70000 is not a port"));
  // A disabled channel's port is never bound.
  CHECK(check("{\"channels\": {\"websocket\": {\"enabled\": false, \"port\": 70000}}, " + provider + "}", key).ok());

  std::map<std::string, std::string> empty_secret = key;
  empty_secret["NANOBOT_WEB_TOKEN"] = "";
  ConfigCheck secret = check(R"({"channels": {"websocket": {"host": "0.0.0.0", "tokenIssueSecret": "${NANOBOT_WEB_TOKEN}"}}, )" +
                                 provider + "}",
                             empty_secret);
  std::string described = describe_issues(secret, "c");
  INFO(described);
  CHECK(secret.stage == ConfigStage::gateway);
  CHECK_THAT(described, Catch::Contains("refers to ${NANOBOT_WEB_TOKEN}, which is empty in the instance's secrets file"));
  CHECK_THAT(described, !Catch::Contains("Nanobot starts"));  // no warning saying the opposite
}

TEST_CASE("the check says what JSON does not take, and which preset a misspelt name meant, with its line", "[nanobot-config]") {
  auto first = [](const std::string& text) {
    ConfigCheck check = check_nanobot_config(text, {});
    REQUIRE_FALSE(check.issues.empty());
    return check.issues.front();
  };
  CHECK_THAT(first("{\n  \"gateway\": {\"port\": 1},\n}\n").message, Catch::Contains("JSON allows no comma after the last item"));
  CHECK(first("{\n  \"gateway\": {\"port\": 1},\n}\n").line == 3);
  CHECK_THAT(first("{\n // note\n}\n").message, Catch::Contains("JSON has no comments"));
  CHECK_THAT(first("{'a': 1}").message, Catch::Contains("double quotes"));
  ConfigIssue preset = first("{\n  \"agents\": {\n    \"defaults\": {\"modelPreset\": \"mian\"}\n  },\n"
                             "  \"modelPresets\": {\"main\": {\"model\": \"gpt-4o\"}}\n}\n");
  CHECK_THAT(preset.message, Catch::StartsWith("model_preset 'mian' not found in model_presets.") &&
                                 Catch::Contains("did you mean 'main'?"));
  CHECK(preset.line == 3);
}

TEST_CASE("a channel section nothing reads, or one that is no section, is warned about", "[nanobot-config]") {
  auto described = [](const std::string& channels) {
    ConfigCheck check = check_nanobot_config(R"({"channels": )" + channels + "}", {});
    CHECK(check.starts());  // upstream loads either: only that channel is affected
    return describe_issues(check, "c");
  };
  CHECK_THAT(described(R"({"telegramm": {"enabled": true}})"),
             Catch::Contains("channels.telegramm: not one of Nanobot's built-in channels") &&
                 Catch::Contains("did you mean 'telegram'?"));
  CHECK_THAT(described(R"({"telegram": "yes"})"),
             Catch::Contains("channels.telegram: a channel's settings are an object") &&
                 Catch::Contains("this is string"));
  CHECK_THAT(described(R"({"telegram": {"enabled": false}})"), !Catch::Contains("channels."));
}
