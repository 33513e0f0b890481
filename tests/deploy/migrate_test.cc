// Migration of a guide-style or Nanobot home into an instance: the whole data directory and
// the workspace wherever it is, every secret moved to .env (and found nowhere else, backups
// included), what cannot work in a container reported, --dry-run changing nothing, refusals
// of what is not a Nanobot home.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/error.h"
#include "deploy/backup.h"
#include "deploy/instance_check.h"
#include "deploy/migrate.h"
#include "deploy/migrate_secrets.h"
#include "deploy/nanobot_config_check.h"
#include "deploy/secrets_file.h"
#include "instance_test_support.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

// A host's Nanobot as people run it: the data directory with everything upstream keeps there,
// the workspace elsewhere, secrets in every place a config can hold one.
struct RealisticHome {
  fs::path data;       // HOME/.nanobot
  fs::path workspace;  // outside HOME
  std::vector<std::string> secrets;
};

RealisticHome write_realistic_home(const fs::path& root) {
  RealisticHome home;
  home.data = root / "home/alice/.nanobot";
  home.workspace = root / "srv/alice-agent";
  home.secrets = {"sk-openai-SECRET-0001", "sk-ant-SECRET-0002",   "hdr-SECRET-0003",  "123456:tg-SECRET-0004",
                  "proxy-SECRET-0005",     "xoxb-SECRET-0006",     "xapp-SECRET-0007", "fs-SECRET-0008",
                  "enc-SECRET-0009",       "vt-SECRET-0010",       "dc-SECRET-0011",   "dt-SECRET-0012",
                  "mx-SECRET-0013",        "imap-SECRET-0014",     "smtp-SECRET-0015", "ws-SECRET-0016",
                  "wsi-SECRET-0017",       "api-SECRET-0018",      "brave-SECRET-0019", "ghp-arg-SECRET-0020",
                  "ghp-SECRET-0021",       "rem-SECRET-0022",      "db-SECRET-0023"};
  const std::string data = home.data.string();
  write_text(home.data / "config.json", R"({
  "agents": {"defaults": {"modelPreset": "fast", "workspace": ")" + home.workspace.string() + R"("}},
  "modelPresets": {"fast": {"model": "openai/gpt-4.1-mini", "provider": "openai"}},
  "providers": {
    "openai": {"api_key": "sk-openai-SECRET-0001"},
    "anthropic": {"apiKey": "sk-ant-SECRET-0002", "extraHeaders": {"X-Team-Auth": "hdr-SECRET-0003"}},
    "openrouter": {"apiKey": "${OPENROUTER_API_KEY}"},
    "ollama": {"apiBase": "http://localhost:11434/v1"}
  },
  "channels": {
    "telegram": {"enabled": true, "token": "123456:tg-SECRET-0004", "allowFrom": ["42"],
                 "proxy": "http://bob:proxy-SECRET-0005@10.0.0.1:3128"},
    "slack": {"enabled": true, "botToken": "xoxb-SECRET-0006", "appToken": "xapp-SECRET-0007"},
    "feishu": {"enabled": true, "appId": "cli_1", "appSecret": "fs-SECRET-0008", "encryptKey": "enc-SECRET-0009",
               "verificationToken": "vt-SECRET-0010"},
    "discord": {"enabled": true, "token": "dc-SECRET-0011"},
    "dingtalk": {"enabled": false, "clientId": "ding1", "clientSecret": "dt-SECRET-0012"},
    "matrix": {"enabled": false, "accessToken": "mx-SECRET-0013"},
    "email": {"enabled": false, "imap_password": "imap-SECRET-0014", "smtpPassword": "smtp-SECRET-0015"},
    "websocket": {"enabled": true, "host": "127.0.0.1", "token": "ws-SECRET-0016", "tokenIssueSecret": "wsi-SECRET-0017"}
  },
  "api": {"apiKey": "api-SECRET-0018"},
  "gateway": {"host": "127.0.0.1", "port": 18800},
  "tools": {
    "exec": {"sandbox": "bwrap"},
    "web": {"search": {"apiKey": "brave-SECRET-0019"}},
    "mcpServers": {
      "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github", "--token", "ghp-arg-SECRET-0020"],
                 "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp-SECRET-0021"}},
      "remote": {"type": "streamableHttp", "url": "https://mcp.example.com/mcp",
                 "headers": {"Authorization": "Bearer rem-SECRET-0022"}},
      "files": {"command": "/usr/local/bin/files-mcp", "args": ["--root", ")" + data + R"(/mcp/files", "--db-password=db-SECRET-0023"],
                "cwd": ")" + data + R"(/mcp/files"}
    }
  }
})");
  // The data directory: everything upstream writes there (upstream-contract "Filesystem layout").
  write_text(home.data / "sessions/0123456789abcdef0123456789abcdef/telegram_42.jsonl", "{\"role\":\"user\"}\n");
  write_text(home.data / "sessions/0123456789abcdef0123456789abcdef/.workspace", home.workspace.string() + "\n");
  write_text(home.data / "auth/xai.json", "{\"access\": \"oauth-access\"}\n");
  fs::permissions(home.data / "auth/xai.json", fs::perms::owner_read | fs::perms::owner_write);
  write_text(home.data / "auth/mcp.json", "{}\n");
  write_text(home.data / "pairing.json", "{\"approved\": [\"42\"]}\n");
  write_text(home.data / "whatsapp-auth/neonize.db", std::string("SQLite format 3\0", 16));
  write_text(home.data / "media/telegram/photo.jpg", "JPEG");
  fs::create_symlink("telegram/photo.jpg", home.data / "media/latest.jpg");  // inside: kept
  write_text(home.data / "webui/sidebar-state.json", "{}\n");
  fs::create_symlink(home.workspace / "notes.md", home.data / "webui/notes.md");  // into the workspace: kept
  write_text(home.data / "cron/jobs.json", "{\"jobs\": []}\n");
  write_text(home.data / "logs/gateway.log", "started\n");
  fs::create_symlink("/var/log/syslog", home.data / "logs/syslog");  // outside: reported
  write_text(home.data / "cli-apps/notes/app.json", "{}\n");
  write_text(home.data / "mcp/files/state.txt", "state\n");
  write_text(home.data / "history/cli_history", "hello\n");
  std::string plugin_id = sha256_of(fs::weakly_canonical(home.workspace).string()).hex.substr(0, 12);
  write_text(home.data / "plugin-data" / plugin_id / "notes/data.txt", "plugin data\n");
  write_text(home.data / "run/gateway.json", "{\"pid\": 4242}\n");
  write_text(home.data / "run/gateway.lock", "");
  // An unfinished atomic save of config.json: it holds the literal secrets.
  write_text(home.data / ".config.json.5f1c.tmp", "{\"providers\": {\"openai\": {\"apiKey\": \"sk-openai-SECRET-0001\"}}}");
  // The workspace, outside HOME.
  write_text(home.workspace / "SOUL.md", "my old soul\n");
  write_text(home.workspace / "AGENTS.md", "my agents\n");
  write_text(home.workspace / "notes.md", "notes\n");
  write_text(home.workspace / "memory/MEMORY.md", "memory\n");
  write_text(home.workspace / "cron/jobs.json", "{\"jobs\": []}\n");
  write_text(home.workspace / ".nanobot/workspace-id", "0123456789abcdef0123456789abcdef\n");
  write_text(home.workspace / "skills/weather/SKILL.md", "# weather\n");
  write_text(home.workspace / "bin/run.sh", "#!/bin/sh\n");
  fs::permissions(home.workspace / "bin/run.sh", fs::perms(0755));
  fs::permissions(home.workspace / "skills", fs::perms(0750));
  return home;
}

// Every entry under `root` with its type, mode, size, time and content (links: their target),
// so "changed nothing" covers metadata too.
std::map<std::string, std::string> listing(const fs::path& root) {
  std::map<std::string, std::string> entries;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    struct stat info {};
    ::lstat(it->path().c_str(), &info);
    std::string line = "mode=" + std::to_string(info.st_mode) + " uid=" + std::to_string(info.st_uid);
    if (S_ISLNK(info.st_mode)) line += " -> " + fs::read_symlink(it->path()).string();
    if (S_ISREG(info.st_mode))
      line += " size=" + std::to_string(info.st_size) + " mtime=" + std::to_string(info.st_mtim.tv_nsec) + ":" +
              std::to_string(info.st_mtim.tv_sec) + " " + read_text(it->path());
    entries[it->path().lexically_relative(root).generic_string()] = line;
  }
  return entries;
}

// Every file's bytes, every link's target and every name under `root` but `except`.
std::string everything_under(const fs::path& root, const std::string& except) {
  std::string all;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    std::string relative = it->path().lexically_relative(root).generic_string();
    if (relative == except) continue;
    all += relative + "\n";
    if (it->is_symlink()) all += fs::read_symlink(it->path()).string() + "\n";
    else if (it->is_regular_file()) all += read_text(it->path()) + "\n";
  }
  return all;
}

// The archive decompressed whole: the tar stream itself (names, headers, contents).
std::string decompressed(const fs::path& archive_path) {
  archive* in = archive_read_new();
  archive_read_support_filter_all(in);
  archive_read_support_format_raw(in);
  REQUIRE(archive_read_open_filename(in, archive_path.c_str(), 65536) == ARCHIVE_OK);
  archive_entry* entry;
  std::string data;
  REQUIRE(archive_read_next_header(in, &entry) == ARCHIVE_OK);
  char buffer[65536];
  la_ssize_t got;
  while ((got = archive_read_data(in, buffer, sizeof buffer)) > 0) data.append(buffer, static_cast<std::size_t>(got));
  archive_read_free(in);
  return data;
}

std::map<std::string, std::string> environment_of(const fs::path& secrets) {
  return container_environment(read_secrets_file(secrets, secrets.string()).variables);
}

bool any_contains(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line.find(part) != std::string::npos; });
}

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  ::lstat(path.c_str(), &info);
  return info.st_mode & 07777;
}

}  // namespace

TEST_CASE("migrate moves a whole home: data directory, outside workspace, every secret", "[migrate]") {
  TempDir dir;
  RealisticHome home = write_realistic_home(dir.path());
  auto source_before = listing(dir / "home");
  auto workspace_before = listing(home.workspace);
  Deployment deployment(dir / "deploy");
  auto result = migrate_instance(deployment, {home.data, "alice", std::nullopt}, no_port_in_use);
  fs::path instance = deployment.instance_dir("alice");

  SECTION("the data directory but run/ lands in config/, the workspace in workspace/") {
    for (const char* path : {"sessions/0123456789abcdef0123456789abcdef/telegram_42.jsonl", "auth/xai.json",
                             "auth/mcp.json", "pairing.json", "whatsapp-auth/neonize.db", "media/telegram/photo.jpg",
                             "webui/sidebar-state.json", "cron/jobs.json", "logs/gateway.log", "cli-apps/notes/app.json",
                             "mcp/files/state.txt", "history/cli_history"})
      CHECK(read_text(instance / "config" / path) == read_text(home.data / path));
    CHECK_FALSE(fs::exists(instance / "config/run"));
    CHECK_FALSE(fs::exists(instance / "config/.config.json.5f1c.tmp"));
    CHECK(any_contains(result.plan.skipped, "run: the old process's runtime state"));
    CHECK(read_text(instance / "workspace/SOUL.md") == "my old soul\n");
    CHECK(read_text(instance / "workspace/AGENTS.md") == "my agents\n");
    CHECK(read_text(instance / "workspace/.nanobot/workspace-id") == "0123456789abcdef0123456789abcdef\n");
    CHECK(read_text(instance / "workspace/skills/weather/SKILL.md") == "# weather\n");
    CHECK(result.plan.instance.soul == "custom");
    // Nanobot names plugin data after the workspace's path, which is /data/workspace now.
    std::string new_id = sha256_of(std::string("/data/workspace")).hex.substr(0, 12);
    CHECK(read_text(instance / "config/plugin-data" / new_id / "notes/data.txt") == "plugin data\n");
  }

  SECTION("modes are kept, links only when they stay inside") {
    CHECK(mode_of(instance / "workspace/bin/run.sh") == 0755);
    CHECK(mode_of(instance / "config/auth/xai.json") == 0600);
    CHECK(mode_of(instance / "workspace/skills") == 0750);
    CHECK(fs::read_symlink(instance / "config/media/latest.jpg") == "telegram/photo.jpg");
    CHECK(fs::read_symlink(instance / "config/webui/notes.md") == "../../workspace/notes.md");
    CHECK(read_text(instance / "config/webui/notes.md") == "notes\n");
    CHECK_FALSE(fs::exists(fs::symlink_status(instance / "config/logs/syslog")));
    CHECK(any_contains(result.plan.skipped, "logs/syslog: a symbolic link to /var/log/syslog"));
  }

  SECTION("config.json: workspace, preset model, secrets as ${VAR}, host paths") {
    auto config = nlohmann::json::parse(read_text(instance / "config/config.json"));
    CHECK(config["agents"]["defaults"]["workspace"] == "/data/workspace");
    CHECK(config["agents"]["defaults"]["modelPreset"] == "fast");
    CHECK_FALSE(config["agents"]["defaults"].contains("model"));
    CHECK(result.plan.instance.model == "openai/gpt-4.1-mini");
    CHECK(result.plan.instance.provider == "openai");
    CHECK(result.plan.instance.api_key_env == "OPENAI_API_KEY");
    CHECK(config["providers"]["openai"]["api_key"] == "${OPENAI_API_KEY}");
    CHECK(config["providers"]["anthropic"]["apiKey"] == "${ANTHROPIC_API_KEY}");
    CHECK(config["providers"]["openrouter"]["apiKey"] == "${OPENROUTER_API_KEY}");  // already one: stays
    CHECK(config["channels"]["telegram"]["token"] == "${TELEGRAM_TOKEN}");
    CHECK(config["channels"]["telegram"]["proxy"] == "${TELEGRAM_PROXY}");
    CHECK(config["channels"]["slack"]["botToken"] == "${SLACK_BOT_TOKEN}");
    CHECK(config["channels"]["slack"]["appToken"] == "${SLACK_APP_TOKEN}");
    CHECK(config["channels"]["feishu"]["appSecret"] == "${FEISHU_APP_SECRET}");
    CHECK(config["channels"]["email"]["imap_password"] == "${EMAIL_IMAP_PASSWORD}");
    CHECK(config["channels"]["websocket"]["tokenIssueSecret"] == "${WEBSOCKET_TOKEN_ISSUE_SECRET}");
    CHECK(config["api"]["apiKey"] == "${SERVE_API_KEY}");
    CHECK(config["tools"]["web"]["search"]["apiKey"] == "${WEB_SEARCH_API_KEY}");
    auto& mcp = config["tools"]["mcpServers"];
    CHECK(mcp["github"]["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"] == "${GITHUB_PERSONAL_ACCESS_TOKEN}");
    CHECK(mcp["github"]["args"][3] == "${MCP_GITHUB_TOKEN}");
    CHECK(mcp["remote"]["headers"]["Authorization"] == "${MCP_REMOTE_AUTHORIZATION}");
    CHECK(mcp["files"]["args"][2] == "--db-password=${MCP_FILES_DB_PASSWORD}");
    CHECK(mcp["files"]["cwd"] == "/data/.nanobot/mcp/files");
    CHECK(mcp["files"]["args"][1] == "/data/.nanobot/mcp/files");
    CHECK(config["gateway"]["host"] == "0.0.0.0");
    CHECK(config["gateway"]["port"] == 18790);

    std::string secrets = read_text(instance / ".env");
    CHECK_THAT(secrets, Catch::Contains("OPENAI_API_KEY=sk-openai-SECRET-0001\n"));
    CHECK_THAT(secrets, Catch::Contains("TELEGRAM_TOKEN=123456:tg-SECRET-0004\n"));
    CHECK_THAT(secrets, Catch::Contains("OPENROUTER_API_KEY=\n"));  // the old home's environment had it
    for (const auto& secret : home.secrets) CHECK_THAT(secrets, Catch::Contains(secret));
    CHECK(result.plan.secrets.size() == home.secrets.size());
  }

  SECTION("the migrated config passes the check with the variables written to .env") {
    ConfigCheck check = check_nanobot_config(read_text(instance / "config/config.json"), environment_of(instance / ".env"));
    INFO(describe_issues(check, "config.json"));
    CHECK(check.error_count() == 0);
  }

  SECTION("no secret value anywhere in the instance but .env, nor in a backup without secrets") {
    std::string files = everything_under(instance, ".env");
    fs::path archive = dir / "alice.tar.zst";
    backup_instances(deployment, {"alice"}, archive, BackupOptions{}, nullptr);
    std::string backup = decompressed(archive);
    CHECK(backup.find("instances/alice/workspace/SOUL.md") != std::string::npos);  // really decompressed
    for (const auto& secret : home.secrets) {
      INFO(secret);
      CHECK(files.find(secret) == std::string::npos);
      CHECK(backup.find(secret) == std::string::npos);
    }
    std::string compose = read_text(deployment.compose_file());
    for (const auto& secret : home.secrets) CHECK(compose.find(secret) == std::string::npos);
  }

  SECTION("what cannot work in a container is reported with the change") {
    const auto& warnings = result.plan.warnings;
    INFO(describe_migration(result.plan, true));
    CHECK(any_contains(warnings, "channels.websocket.host is 127.0.0.1"));
    CHECK(any_contains(warnings, "gateway.host was 127.0.0.1: set to 0.0.0.0"));
    CHECK(any_contains(warnings, "gateway.port was 18800: set to 18790"));
    CHECK(any_contains(warnings, "tools.exec.sandbox is \"bwrap\""));
    CHECK(any_contains(warnings, "tools.mcpServers.github.command is npx"));
    CHECK(any_contains(warnings, "tools.mcpServers.files.command: /usr/local/bin/files-mcp is a path on this host"));
    CHECK(any_contains(warnings, "${OPENROUTER_API_KEY}"));
    CHECK(any_contains(warnings, "providers.ollama.apiBase was http://localhost:11434/v1: now "
                                 "http://${HOST_GATEWAY}:11434/v1"));
    CHECK_FALSE(any_contains(warnings, "providers.ollama.apiBase: http://localhost:11434/v1 is this host's loopback"));
    CHECK(any_contains(result.plan.rewritten, "tools.mcpServers.files.cwd: " + home.data.string() +
                                                  "/mcp/files -> /data/.nanobot/mcp/files"));
    for (const auto& secret : home.secrets) CHECK(describe_migration(result.plan, true).find(secret) == std::string::npos);
  }

  SECTION("the source is only read") {
    CHECK(listing(dir / "home") == source_before);
    CHECK(listing(home.workspace) == workspace_before);
  }
}

TEST_CASE("migrate --dry-run shows the plan and changes nothing", "[migrate]") {
  TempDir dir;
  RealisticHome home = write_realistic_home(dir.path());
  make_instance(Deployment(dir / "deploy"), "bob", 18790);
  Deployment deployment(dir / "deploy");
  auto before = listing(dir.path());
  MigratePlan plan = plan_migration(deployment, {home.data, "alice", std::nullopt}, no_port_in_use);
  CHECK(listing(dir.path()) == before);
  CHECK_FALSE(fs::exists(deployment.instance_dir("alice")));

  CHECK(plan.instance.name == "alice");
  CHECK(plan.instance.port == 18791);
  CHECK(plan.workspace == home.workspace);
  auto copy = [&](const std::string& to) {
    for (const auto& item : plan.copies)
      if (item.to == to) return item;
    FAIL("no copy to " << to);
    return MigrateCopy{};
  };
  CHECK(copy("config/auth").files == 2);
  CHECK(copy("config/sessions").files == 2);
  CHECK(copy("workspace").files == 8);
  CHECK(copy("workspace").bytes > 0);
  CHECK_FALSE(std::any_of(plan.copies.begin(), plan.copies.end(), [](const MigrateCopy& item) { return item.to == "config/run"; }));

  std::string text = describe_migration(plan, true);
  std::string document = migration_json(plan).dump();
  CHECK_THAT(text, Catch::StartsWith("Would migrate " + home.data.string() + " to instance 'alice' on port 18791"));
  CHECK_THAT(text, Catch::Contains("channels.telegram.token -> ${TELEGRAM_TOKEN}"));
  CHECK_THAT(text, Catch::Contains("Warnings:"));
  CHECK_THAT(text, Catch::Contains("Nothing was changed"));
  CHECK_THAT(document, Catch::Contains("\"variable\":\"SLACK_BOT_TOKEN\""));
  for (const auto& secret : home.secrets) {
    INFO(secret);
    CHECK(text.find(secret) == std::string::npos);
    CHECK(document.find(secret) == std::string::npos);
  }
}

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
  CHECK(result.plan.dropped == std::vector<std::string>{"log_level", "sessions_dir", "workspace"});
  CHECK(result.plan.instance.soul == "custom");
  CHECK(result.plan.warnings.empty());
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
  CHECK(converted.workspace_setting == "~/.nanobot/workspace");
  CHECK(converted.config["channels"]["telegram"]["enabled"] == false);
  CHECK(converted.provider == "openrouter");
}

TEST_CASE("migrate accepts a config without agents, or with only a model preset", "[migrate]") {
  auto bare = convert_nanobot_config(nlohmann::json::parse(R"({"providers": {"anthropic": {"apiKey": "sk-ant-1"}}})"),
                                     "config.json");
  CHECK(bare.model == "anthropic/claude-opus-4-5");  // upstream's default
  CHECK(bare.provider == "anthropic");
  CHECK(bare.config["agents"]["defaults"]["workspace"] == "/data/workspace");
  CHECK(bare.config["gateway"]["host"] == "0.0.0.0");
  CHECK_FALSE(bare.config["agents"]["defaults"].contains("model"));

  auto preset = convert_nanobot_config(
      nlohmann::json::parse(R"({"agents": {"defaults": {"model_preset": "cheap"}},
                                "model_presets": {"cheap": {"model": "deepseek-chat", "provider": "deepseek"}},
                                "providers": {"deepseek": {"api_key": "${DS_KEY}"}}})"),
      "config.json");
  CHECK(preset.model == "deepseek-chat");
  CHECK(preset.provider == "deepseek");
  CHECK(preset.api_key_env == "DS_KEY");
  CHECK(preset.secrets.empty());
  CHECK(preset.referenced == std::set<std::string>{"DS_KEY"});

  auto empty = convert_nanobot_config(nlohmann::json::object(), "config.json");
  CHECK(empty.model == "anthropic/claude-opus-4-5");
}

TEST_CASE("migrate --webui-port publishes the WebUI with the home's secret, or a new one", "[migrate][webui]") {
  TempDir dir;
  Deployment deployment(dir / "deploy");
  auto migrate = [&](const std::string& name, int port, const std::string& websocket) {
    fs::path data = dir / ("home-" + name) / ".nanobot";
    write_text(data / "config.json", R"({"providers": {"anthropic": {"apiKey": "sk-ant-1"}}, "channels": {"websocket": )" +
                                         websocket + "}}");
    MigrateRequest request{data, name, port};
    request.webui_port = port + 1;
    return migrate_instance(deployment, request, no_port_in_use);
  };
  // No secret in the home: a new one, as create makes.
  auto plain = migrate("una", 18840, R"({"host": "127.0.0.1", "port": 9000})");
  CHECK(plain.plan.webui_secret_variable == "NANOBOT_WEB_TOKEN");
  CHECK_FALSE(any_contains(plain.plan.warnings, "channels.websocket.host is"));
  auto config = nlohmann::json::parse(read_text(deployment.instance_dir("una") / "config/config.json"));
  CHECK(config["channels"]["websocket"] == nlohmann::json({{"enabled", true}, {"host", "0.0.0.0"}, {"port", 8765},
                                                           {"tokenIssueSecret", "${NANOBOT_WEB_TOKEN}"},
                                                           {"websocketRequiresToken", true}}));
  CHECK(any_contains(plain.plan.rewritten, "channels.websocket: listened on 127.0.0.1:9000, now 0.0.0.0:8765"));
  CHECK(any_contains(plain.plan.rewritten, "a new random secret, in .env as ${NANOBOT_WEB_TOKEN}"));
  for (const auto& moved : plain.plan.secrets) CHECK(moved.variable != "NANOBOT_WEB_TOKEN");  // made, not moved
  auto environment = environment_of(deployment.instance_dir("una") / ".env");
  CHECK(environment["NANOBOT_WEB_TOKEN"].size() == 43);
  CHECK(deployment.load_instance("una").webui_port == 18841);
  CHECK(check_nanobot_config(config.dump(), environment).starts());
  // The home's own secret, moved to .env like every other, is the one kept.
  auto own = migrate("vic", 18850, R"({"host": "127.0.0.1", "tokenIssueSecret": "home-web-secret"})");
  CHECK(own.plan.webui_secret_variable == "WEBSOCKET_TOKEN_ISSUE_SECRET");
  CHECK(environment_of(deployment.instance_dir("vic") / ".env")["WEBSOCKET_TOKEN_ISSUE_SECRET"] == "home-web-secret");
  CHECK_THAT(read_text(deployment.instance_dir("vic") / ".env"), !Catch::Contains("NANOBOT_WEB_TOKEN"));
}

TEST_CASE("migrate names secrets after their place, uniquely", "[migrate]") {
  auto converted = convert_nanobot_config(nlohmann::json::parse(R"({
    "providers": {"custom": {"apiKey": "one-value-1234"}},
    "channels": {"telegram": {"token": "shared-token-5678"}, "weixin": {"token": "shared-token-5678"}},
    "tools": {"mcpServers": {
      "a": {"env": {"CUSTOM_API_KEY": "two-value-1234", "NANOBOT_DEBUG": "x1", "PLAIN": "", "PATH": "/opt/bin:/usr/bin"}},
      "b": {"env": {"TELEGRAM_TOKEN": "shared-token-5678", "REF": "${ALREADY}"}}}}})"),
                                          "config.json");
  CHECK(converted.secrets.at("CUSTOM_API_KEY") == "one-value-1234");
  // Taken by another value: the MCP server's own name for it.
  CHECK(converted.secrets.at("MCP_A_CUSTOM_API_KEY") == "two-value-1234");
  CHECK(converted.config["tools"]["mcpServers"]["a"]["env"]["CUSTOM_API_KEY"] == "${MCP_A_CUSTOM_API_KEY}");
  // Nanobot would read NANOBOT_* as its own settings.
  CHECK(converted.config["tools"]["mcpServers"]["a"]["env"]["NANOBOT_DEBUG"] == "${MCP_A_NANOBOT_DEBUG}");
  CHECK(converted.config["tools"]["mcpServers"]["a"]["env"]["PLAIN"] == "");
  // .env is the app's environment: PATH there would be the container's PATH.
  CHECK(converted.config["tools"]["mcpServers"]["a"]["env"]["PATH"] == "${MCP_A_PATH}");
  // The same value shares a name when the name fits.
  CHECK(converted.config["channels"]["telegram"]["token"] == "${TELEGRAM_TOKEN}");
  CHECK(converted.config["channels"]["weixin"]["token"] == "${WEIXIN_TOKEN}");
  CHECK(converted.config["tools"]["mcpServers"]["b"]["env"]["TELEGRAM_TOKEN"] == "${TELEGRAM_TOKEN}");
  CHECK(converted.config["tools"]["mcpServers"]["b"]["env"]["REF"] == "${ALREADY}");
  for (const char* key : {"botToken", "app_secret", "tokenIssueSecret", "imapPassword", "webhookSecretToken", "api-key"})
    CHECK(is_secret_key(key));
  for (const char* key : {"maxTokens", "tokenIssuePath", "identityKey", "tokenTtlS", "sslKeyfile", "allowFrom"})
    CHECK_FALSE(is_secret_key(key));
}

TEST_CASE("migrate reads ~ and relative workspaces against the data directory's parent", "[migrate]") {
  TempDir dir;
  fs::path data = dir / "home/carol/.nanobot";
  write_text(data / "config.json", R"({"agents": {"defaults": {"model": "gpt-4o-mini", "workspace": "~/agent"}},
                                       "tools": {"mcpServers": {"fs": {"command": "python3", "args": ["~/.nanobot/mcp/fs.py", "agent/data"],
                                                                                "env": {"DATA": "${HOME}/agent"}}}}})");
  write_text(data / "mcp/fs.py", "print()\n");
  write_text(dir / "home/carol/agent/SOUL.md", "carol\n");
  Deployment deployment(dir / "deploy");
  auto plan = plan_migration(deployment, {data / "config.json", "carol", std::nullopt}, no_port_in_use);
  CHECK(plan.workspace == dir / "home/carol/agent");
  CHECK(plan.data_dir == data);
  CHECK(plan.instance.soul == "custom");
  CHECK(any_contains(plan.rewritten, "tools.mcpServers.fs.args.0: ~/.nanobot/mcp/fs.py -> /data/.nanobot/mcp/fs.py"));

  auto result = migrate_instance(deployment, {data, "carol", std::nullopt}, no_port_in_use);
  CHECK(read_text(deployment.instance_dir("carol") / "workspace/SOUL.md") == "carol\n");
  CHECK(read_text(deployment.instance_dir("carol") / "config/mcp/fs.py") == "print()\n");
  CHECK(result.files_copied == 2);
  // ${HOME} is the container's own (/data): no empty HOME= line in .env.
  std::string secrets = read_text(deployment.instance_dir("carol") / ".env");
  CHECK(secrets.find("\nHOME=") == std::string::npos);
  auto config = nlohmann::json::parse(read_text(deployment.instance_dir("carol") / "config/config.json"));
  CHECK(config["tools"]["mcpServers"]["fs"]["env"]["DATA"] == "${HOME}/agent");
}

TEST_CASE("migrate warns about copies of a secret in the files it copies", "[migrate]") {
  TempDir dir;
  fs::path data = dir / "home/dave/.nanobot";
  write_text(data / "config.json", R"({"providers": {"openai": {"apiKey": "sk-dave-0123456789"}}})");
  write_text(data / "workspace/notes/keys.txt", "my key is sk-dave-0123456789, keep it safe\n");
  Deployment deployment(dir / "deploy");
  auto plan = plan_migration(deployment, {data, "dave", std::nullopt}, no_port_in_use);
  CHECK(any_contains(plan.warnings, "workspace/notes/keys.txt holds the value of OPENAI_API_KEY"));
  auto result = migrate_instance(deployment, {data, "dave", std::nullopt}, no_port_in_use);
  CHECK(any_contains(result.plan.warnings, "workspace/notes/keys.txt holds the value of OPENAI_API_KEY"));
}

TEST_CASE("migrate refuses what is not a Nanobot home and leaves nothing behind", "[migrate]") {
  TempDir dir;
  Deployment deployment(dir / "deploy");
  fs::create_directories(dir / "empty");
  CHECK_THROWS_WITH(migrate_instance(deployment, {dir / "empty", "x", std::nullopt}, no_port_in_use),
                    Catch::Contains("not a Nanobot home"));
  write_text(dir / "other/config.json", R"({"name": "some other tool"})");
  CHECK_THROWS_WITH(migrate_instance(deployment, {dir / "other", "x", std::nullopt}, no_port_in_use),
                    Catch::Contains("is this a Nanobot config.json"));
  // A secret no .env line can hold: refused before anything is written.
  write_text(dir / "bad/config.json", R"({"channels": {"telegram": {"token": "line1\nline2"}}})");
  CHECK_THROWS_WITH(migrate_instance(deployment, {dir / "bad", "x", std::nullopt}, no_port_in_use),
                    Catch::Contains("channels.telegram.token") && Catch::Contains("nothing was migrated"));
  // Upstream refuses sessions inside the workspace.
  write_text(dir / "inside/config.json", R"({"agents": {"defaults": {"workspace": ")" + (dir / "inside").string() + R"("}}})");
  CHECK_THROWS_WITH(migrate_instance(deployment, {dir / "inside", "x", std::nullopt}, no_port_in_use),
                    Catch::Contains("holds the data directory"));
  CHECK_FALSE(fs::exists(deployment.instance_dir("x")));
  if (fs::exists(deployment.instances_dir()))
    for (const auto& entry : fs::directory_iterator(deployment.instances_dir()))
      FAIL("left behind: " << entry.path());
}

TEST_CASE("the variables a secrets file must supply: each once, in order, not the container's own", "[migrate]") {
  CHECK(secret_references(R"({"b": "${TELEGRAM_TOKEN}", "a": "${OPENAI_API_KEY}", "c": "x${TELEGRAM_TOKEN}y",
                              "d": "http://${HOST_GATEWAY}:11434", "e": "${HOME}/x", "f": "${NANOBOT_GATEWAY__PORT}"})") ==
        std::vector<std::string>{"TELEGRAM_TOKEN", "OPENAI_API_KEY"});
  CHECK(secret_references("no references").empty());
}
