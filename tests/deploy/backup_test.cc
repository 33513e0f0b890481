#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "deploy/backup.h"
#include "deploy/migrate.h"
#include "instance_test_support.h"
#include "base/error.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

// Files with their modes and mtimes, so "byte-identical" covers metadata too.
std::map<std::string, std::string> snapshot_with_metadata(const fs::path& root) {
  auto files = snapshot(root);
  for (auto& [path, content] : files) {
    struct stat info {};
    ::lstat((root / path).c_str(), &info);
    if (!S_ISDIR(info.st_mode)) content += "|mtime=" + std::to_string(info.st_mtim.tv_sec);
    content += "|mode=" + std::to_string(info.st_mode) + "|uid=" + std::to_string(info.st_uid);
  }
  return files;
}

class FakeRuntime : public InstanceRuntime {
 public:
  std::set<std::string> running;
  std::vector<std::string> log;
  bool is_running(const std::string& name) override { return running.count(name) > 0; }
  void stop(const std::vector<std::string>& names) override {
    for (const auto& name : names) running.erase(name), log.push_back("stop " + name);
  }
  void start(const std::vector<std::string>& names) override {
    for (const auto& name : names) running.insert(name), log.push_back("start " + name);
  }
};

// Rewrites a backup with `path`'s content replaced, keeping the manifest: a tampered archive.
void tamper(const fs::path& from, const fs::path& to, const std::string& path, const std::string& content) {
  archive* in = archive_read_new();
  archive_read_support_filter_all(in);
  archive_read_support_format_all(in);
  REQUIRE(archive_read_open_filename(in, from.c_str(), 65536) == ARCHIVE_OK);
  archive* out = archive_write_new();
  archive_write_add_filter_zstd(out);
  archive_write_set_format_pax_restricted(out);
  REQUIRE(archive_write_open_filename(out, to.c_str()) == ARCHIVE_OK);
  archive_entry* entry;
  while (archive_read_next_header(in, &entry) == ARCHIVE_OK) {
    std::string data;
    char buffer[8192];
    la_ssize_t got;
    while ((got = archive_read_data(in, buffer, sizeof buffer)) > 0) data.append(buffer, got);
    if (archive_entry_pathname(entry) == path) data = content, archive_entry_set_size(entry, data.size());
    archive_write_header(out, entry);
    if (!data.empty()) archive_write_data(out, data.data(), data.size());
  }
  archive_write_close(out);
  archive_write_free(out);
  archive_read_free(in);
}

}  // namespace

TEST_CASE("backup is deterministic and restore gives back identical files", "[backup]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790, "expert");
  make_instance(deployment, "bob", 18791, "creative");
  write_text(deployment.instance_dir("alice") / "workspace/memory/notes.md", "remember the milk\n");
  write_text(deployment.instance_dir("alice") / "config/sessions/s1.jsonl", "{\"role\":\"user\"}\n");
  auto before = snapshot_with_metadata(deployment.instances_dir());

  BackupOptions options;
  FakeRuntime runtime;
  runtime.running = {"alice"};
  auto first = backup_instances(deployment, {"bob", "alice"}, dir / "one.tar.zst", options, &runtime);
  CHECK(runtime.log == std::vector<std::string>{"stop alice", "start alice"});
  CHECK(first.paused == std::vector<std::string>{"alice"});
  backup_instances(deployment, {"alice", "bob"}, dir / "two.tar.zst", options, nullptr);
  CHECK(read_text(dir / "one.tar.zst") == read_text(dir / "two.tar.zst"));
  struct stat info {};
  ::stat((dir / "one.tar.zst").c_str(), &info);
  CHECK((info.st_mode & 0777) == 0600);

  const auto& manifest = first.manifest;
  CHECK(manifest["format"] == kBackupFormat);
  CHECK(manifest["image"] == "nanobot:latest");
  CHECK(manifest["secretsIncluded"] == false);
  bool found_soul = false;
  for (const auto& file : manifest["files"]) {
    CHECK(file["path"].get<std::string>().find(".env") == std::string::npos);
    if (file["path"] == "instances/alice/workspace/SOUL.md") found_soul = file["sha256"].get<std::string>().size() == 64;
  }
  CHECK(found_soul);

  fs::remove_all(deployment.instances_dir());
  auto restored = restore_backup(deployment, dir / "one.tar.zst", false, nullptr);
  CHECK(restored.instances == std::vector<std::string>{"alice", "bob"});
  CHECK(restored.secrets_to_supply == std::vector<std::string>{"alice", "bob"});
  auto after = snapshot_with_metadata(deployment.instances_dir());
  // The secrets were not in the backup; a fresh .env asks for them again.
  CHECK_THAT(after["alice/.env"], Catch::Contains("OPENAI_API_KEY=\n"));
  after.erase("alice/.env"), after.erase("bob/.env");
  before.erase("alice/.env"), before.erase("bob/.env");
  CHECK(after == before);
}

TEST_CASE("backup with secrets restores .env, existing instances need --force", "[backup]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice");
  auto before = snapshot_with_metadata(deployment.instances_dir());
  BackupOptions options;
  options.include_secrets = true;
  backup_instances(deployment, {"alice"}, dir / "a.tar.zst", options, nullptr);

  write_text(deployment.instance_dir("alice") / "workspace/SOUL.md", "changed after the backup\n");
  auto changed = snapshot(deployment.instances_dir());
  FakeRuntime runtime;
  runtime.running = {"alice"};
  CHECK_THROWS_WITH(restore_backup(deployment, dir / "a.tar.zst", false, &runtime),
                    Catch::Contains("exists") && Catch::Contains("running") && Catch::Contains("--force"));
  CHECK(snapshot(deployment.instances_dir()) == changed);
  CHECK(runtime.log.empty());

  auto restored = restore_backup(deployment, dir / "a.tar.zst", true, &runtime);
  CHECK(restored.secrets_to_supply.empty());
  // First a consistent backup of what is replaced (paused and resumed), then the swap, after
  // which the caller starts it again.
  CHECK(runtime.log == std::vector<std::string>{"stop alice", "start alice", "stop alice"});
  CHECK(restored.stopped == std::vector<std::string>{"alice"});
  CHECK(snapshot_with_metadata(deployment.instances_dir()) == before);
  // The replaced state is not lost: its backup gives it back.
  REQUIRE(restored.replaced_backups.size() == 1);
  CHECK_THAT(restored.replaced_backups[0].filename().string(), Catch::StartsWith("alice-before-restore-"));
  restore_backup(deployment, restored.replaced_backups[0], true, nullptr);
  CHECK(snapshot(deployment.instances_dir()) == changed);
}

TEST_CASE("logins are secrets: a backup without secrets leaves the credential stores out, restore keeps the live ones", "[backup]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice");
  fs::path alice = deployment.instance_dir("alice");
  write_text(alice / "config/auth/xai.json", "{\"access_token\": \"xai-oauth-secret\"}\n");
  write_text(alice / "config/whatsapp-auth/neonize.db", "whatsapp-session-secret");
  write_text(alice / "home/.local/share/oauth-cli-kit/auth/codex.json", "{\"token\": \"codex-oauth-secret\"}\n");
  write_text(alice / "home/.local/share/nanobot/auth/github-copilot.json", "copilot-oauth-secret");
  auto config = nlohmann::json::parse(read_text(alice / "config/config.json"));
  config["channels"]["telegram"] = {{"enabled", false}, {"token", "${TELEGRAM_TOKEN}"}};
  config["providers"]["ollama"] = {{"apiBase", "http://${HOST_GATEWAY}:11434/v1"}};
  write_text(alice / "config/config.json", config.dump(2));
  // Not logins: other app data and a file merely named auth.
  write_text(alice / "config/pairing.json", "{\"approved\": []}\n");
  write_text(alice / "workspace/auth/notes.md", "the agent's own notes about auth\n");
  CHECK(instance_files::credential_stores(alice) ==
        std::vector<fs::path>{"config/auth", "config/whatsapp-auth", "home/.local/share/nanobot/auth",
                              "home/.local/share/oauth-cli-kit/auth"});
  CHECK_FALSE(instance_files::is_credential_store("workspace/auth"));
  CHECK_FALSE(instance_files::is_credential_store("home/.local/share/auth"));

  auto backup = backup_instances(deployment, {"alice"}, dir / "a.tar.zst", BackupOptions{}, nullptr);
  CHECK(backup.manifest["credentialStoresLeftOut"] ==
        nlohmann::json::array({"instances/alice/config/auth", "instances/alice/config/whatsapp-auth",
                               "instances/alice/home/.local/share/nanobot/auth",
                               "instances/alice/home/.local/share/oauth-cli-kit/auth"}));
  // The decompressed archive holds none of the secret values; the other files are there.
  std::string archive_bytes = run("zstd -dc " + shell_quote((dir / "a.tar.zst").string())).output;
  for (const char* secret : {"xai-oauth-secret", "whatsapp-session-secret", "codex-oauth-secret", "copilot-oauth-secret"})
    CHECK(archive_bytes.find(secret) == std::string::npos);
  CHECK(archive_bytes.find("the agent's own notes about auth") != std::string::npos);
  CHECK(archive_bytes.find("\"approved\"") != std::string::npos);

  // Restored over the live instance: its logins stay. Restored where there is none: named.
  write_text(alice / "config/auth/xai.json", "logged in again since");
  restore_backup(deployment, dir / "a.tar.zst", true, nullptr);
  CHECK(read_text(alice / "config/auth/xai.json") == "logged in again since");
  CHECK(read_text(alice / "config/whatsapp-auth/neonize.db") == "whatsapp-session-secret");
  CHECK(fs::exists(alice / "home/.local/share/oauth-cli-kit/auth/codex.json"));
  fs::remove_all(deployment.instances_dir());
  auto fresh = restore_backup(deployment, dir / "a.tar.zst", false, nullptr);
  CHECK(fresh.logins_to_redo.size() == 4);
  // Every variable the restored config.json refers to gets a line to fill in (not the ones
  // the container's environment sets).
  CHECK(fresh.variables_to_supply["alice"] == std::vector<std::string>{"TELEGRAM_TOKEN", "OPENAI_API_KEY"});  // file order
  std::string fresh_secrets = read_text(alice / ".env");
  CHECK_THAT(fresh_secrets, Catch::Contains("\nTELEGRAM_TOKEN=\nOPENAI_API_KEY=\n"));
  CHECK_THAT(fresh_secrets, !Catch::Contains("HOST_GATEWAY="));
  CHECK(fs::exists(alice / "config/pairing.json"));
  CHECK_FALSE(fs::exists(alice / "config/auth"));

  // With --include-secrets the logins travel too.
  write_text(alice / "config/whatsapp-auth/neonize.db", "whatsapp-session-secret");
  BackupOptions with_secrets;
  with_secrets.include_secrets = true;
  auto full = backup_instances(deployment, {"alice"}, dir / "b.tar.zst", with_secrets, nullptr);
  CHECK(full.manifest["credentialStoresLeftOut"].empty());
  fs::remove_all(deployment.instances_dir());
  CHECK(restore_backup(deployment, dir / "b.tar.zst", false, nullptr).logins_to_redo.empty());
  CHECK(read_text(alice / "config/whatsapp-auth/neonize.db") == "whatsapp-session-secret");
}

TEST_CASE("restore refuses tampered and damaged backups, changing nothing", "[backup]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice");
  backup_instances(deployment, {"alice"}, dir / "good.tar.zst", {}, nullptr);
  fs::remove_all(deployment.instance_dir("alice"));
  auto before = snapshot(dir.path());

  tamper(dir / "good.tar.zst", dir / "tampered.tar.zst", "instances/alice/workspace/SOUL.md", "I am someone else\n");
  before = snapshot(dir.path());
  CHECK_THROWS_WITH(restore_backup(deployment, dir / "tampered.tar.zst", false, nullptr),
                    Catch::Contains("altered") && Catch::Contains("instances/alice/workspace/SOUL.md"));
  CHECK(snapshot(dir.path()) == before);

  std::string bytes = read_text(dir / "good.tar.zst");
  write_text(dir / "truncated.tar.zst", bytes.substr(0, bytes.size() / 2));
  before = snapshot(dir.path());
  CHECK_THROWS_WITH(restore_backup(deployment, dir / "truncated.tar.zst", false, nullptr), Catch::Contains("damaged"));
  CHECK(snapshot(dir.path()) == before);

  write_text(dir / "noise.tar.zst", "this is not an archive at all");
  before = snapshot(dir.path());
  CHECK_THROWS_AS(restore_backup(deployment, dir / "noise.tar.zst", false, nullptr), Error);
  CHECK(snapshot(dir.path()) == before);
}
