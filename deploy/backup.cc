#include "deploy/backup.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <sstream>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/file_chunks.h"
#include "base/random_suffix.h"
#include "deploy/secrets_file.h"
#include "deploy/instance_config.h"
#include "deploy/instance_create.h"
#include "deploy/migrate_secrets.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ArchiveWriter {
  archive* handle = archive_write_new();
  ~ArchiveWriter() { archive_write_free(handle); }
};
struct ArchiveReader {
  archive* handle = archive_read_new();
  ~ArchiveReader() { archive_read_free(handle); }
};
struct EntryHolder {
  archive_entry* entry = archive_entry_new();
  ~EntryHolder() { archive_entry_free(entry); }
};


// Restarts what was stopped for the copy, whatever happens in between.
class PauseGuard {
 public:
  PauseGuard(InstanceRuntime* runtime, const std::vector<std::string>& names) : runtime_(runtime) {
    if (!runtime_) return;
    for (const auto& name : names)
      if (runtime_->is_running(name)) stopped_.push_back(name);
    if (!stopped_.empty()) runtime_->stop(stopped_);
  }
  ~PauseGuard() {
    if (runtime_ && !stopped_.empty()) {
      try {
        runtime_->start(stopped_);
      } catch (...) {
        // The backup's own error (or result) matters more; status shows what is stopped.
      }
    }
  }
  const std::vector<std::string>& stopped() const { return stopped_; }

 private:
  InstanceRuntime* runtime_;
  std::vector<std::string> stopped_;
};

struct TreeEntry {
  std::string relative;  // "instances/alice/config/config.json"
  fs::path absolute;
  struct stat info {};
};

// The instance's files, in directory order; without `include_secrets`, not its .env and not
// its credential stores, which go to `left_out` (as "instances/NAME/config/auth").
std::vector<TreeEntry> collect_tree(const Deployment& deployment, const std::string& name, bool include_secrets,
                                    std::vector<std::string>& left_out) {
  std::vector<TreeEntry> entries;
  fs::path dir = deployment.instance_dir(name);
  auto add = [&](const fs::path& path) {
    TreeEntry entry;
    entry.absolute = path;
    entry.relative = path.lexically_relative(deployment.root()).generic_string();
    if (::lstat(path.c_str(), &entry.info) != 0) throw_system_error("cannot read", path.string());
    entries.push_back(entry);
  };
  add(dir);
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    if (!include_secrets && it.depth() == 0 && it->path().filename() == instance_files::kSecrets) continue;
    if (!include_secrets && it->is_directory() && instance_files::is_credential_store(it->path().lexically_relative(dir))) {
      left_out.push_back(it->path().lexically_relative(deployment.root()).generic_string());
      it.disable_recursion_pending();
      continue;
    }
    auto type = it->symlink_status().type();
    if (type != fs::file_type::regular && type != fs::file_type::directory && type != fs::file_type::symlink)
      continue;  // sockets and fifos are not data
    add(it->path());
  }
  return entries;
}

void write_header(archive* out, archive_entry* entry, const std::string& where) {
  if (archive_write_header(out, entry) != ARCHIVE_OK)
    throw Error("cannot write " + where + ": " + archive_error_string(out));
}

void write_data(archive* out, const void* data, std::size_t size, const std::string& where) {
  if (size > 0 && archive_write_data(out, data, size) < 0)
    throw Error("cannot write " + where + ": " + archive_error_string(out));
}

std::string venv_digest(const Deployment& deployment) {
  fs::path version = deployment.venv_dir() / "VERSION.txt";
  if (!fs::exists(version)) return "";
  return sha256_of_file(version).str();
}

}  // namespace

fs::path default_backup_path(const Deployment& deployment, const std::string& label) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return deployment.backups_dir() / (label + "-" + stamp + ".tar.zst");
}

BackupResult backup_instances(const Deployment& deployment, const std::vector<std::string>& names,
                              const fs::path& output, const BackupOptions& options, InstanceRuntime* runtime) {
  if (names.empty()) throw Error("nothing to back up: the deployment has no instances");
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& name : sorted) deployment.load_instance(name);  // exists and is readable

  BackupResult result;
  result.archive = output;
  PauseGuard pause(runtime, sorted);
  result.paused = pause.stopped();

  std::vector<TreeEntry> entries;
  std::vector<std::string> left_out;
  for (const auto& name : sorted) {
    auto tree = collect_tree(deployment, name, options.include_secrets, left_out);
    entries.insert(entries.end(), tree.begin(), tree.end());
  }
  std::sort(entries.begin(), entries.end(), [](const TreeEntry& a, const TreeEntry& b) { return a.relative < b.relative; });
  std::sort(left_out.begin(), left_out.end());  // directory order varies; the archive must not

  // Hash first: the manifest is the archive's first entry.
  DeploymentSettings settings = deployment.settings();
  json files = json::array();
  for (const auto& entry : entries) {
    json file = {{"path", entry.relative}, {"mode", entry.info.st_mode & 07777}};
    if (S_ISREG(entry.info.st_mode)) {
      file["type"] = "file";
      file["size"] = static_cast<std::uint64_t>(entry.info.st_size);
      file["sha256"] = sha256_of_file(entry.absolute).hex;
    } else if (S_ISDIR(entry.info.st_mode)) {
      file["type"] = "directory";
    } else {
      file["type"] = "symlink";
      file["target"] = fs::read_symlink(entry.absolute).string();
    }
    files.push_back(file);
  }
  json manifest = {{"format", kBackupFormat},
                   {"instances", sorted},
                   {"image", settings.image},
                   {"imageId", options.image_id},
                   {"runtimeMode", to_string(settings.mode)},
                   {"venvVersionSha256", venv_digest(deployment)},
                   {"secretsIncluded", options.include_secrets},
                   {"credentialStoresLeftOut", left_out},
                   {"files", files}};
  std::string manifest_text = manifest.dump(2) + "\n";

  fs::create_directories(output.parent_path().empty() ? fs::path(".") : output.parent_path());
  AtomicFile file(output, 0600);  // may hold secrets, and always holds personal data
  ArchiveWriter writer;
  archive* out = writer.handle;
  if (archive_write_add_filter_zstd(out) != ARCHIVE_OK || archive_write_set_format_pax_restricted(out) != ARCHIVE_OK ||
      archive_write_open_fd(out, file.fd()) != ARCHIVE_OK)
    throw Error("cannot start " + output.string() + ": " + archive_error_string(out));

  {
    EntryHolder holder;
    archive_entry_set_pathname(holder.entry, kBackupManifestName);
    archive_entry_set_filetype(holder.entry, AE_IFREG);
    archive_entry_set_perm(holder.entry, 0644);
    archive_entry_set_size(holder.entry, static_cast<la_int64_t>(manifest_text.size()));
    archive_entry_set_mtime(holder.entry, 0, 0);
    write_header(out, holder.entry, output.string());
    write_data(out, manifest_text.data(), manifest_text.size(), output.string());
  }
  for (const auto& entry : entries) {
    EntryHolder holder;
    archive_entry* header = holder.entry;
    archive_entry_set_pathname(header, entry.relative.c_str());
    archive_entry_set_perm(header, entry.info.st_mode & 07777);
    archive_entry_set_uid(header, entry.info.st_uid);
    archive_entry_set_gid(header, entry.info.st_gid);
    archive_entry_set_mtime(header, entry.info.st_mtim.tv_sec, 0);
    if (S_ISREG(entry.info.st_mode)) {
      archive_entry_set_filetype(header, AE_IFREG);
      archive_entry_set_size(header, entry.info.st_size);
      write_header(out, header, entry.relative);
      read_file_chunks(entry.absolute, [&](const char* data, std::size_t size) {
        write_data(out, data, size, entry.relative);
        return true;
      });
    } else if (S_ISDIR(entry.info.st_mode)) {
      archive_entry_set_filetype(header, AE_IFDIR);
      write_header(out, header, entry.relative);
    } else {
      archive_entry_set_filetype(header, AE_IFLNK);
      archive_entry_set_symlink(header, fs::read_symlink(entry.absolute).c_str());
      write_header(out, header, entry.relative);
    }
  }
  if (archive_write_close(out) != ARCHIVE_OK)
    throw Error("cannot finish " + output.string() + ": " + archive_error_string(out));
  file.commit();
  result.manifest = manifest;
  return result;
}

namespace {

struct StagedRestore {
  std::string name;
  fs::path staging;
  bool has_secrets = false;
};

void remove_quietly(const fs::path& path) {
  std::error_code ignored;
  fs::remove_all(path, ignored);
}

// "instances/NAME/rest" with NAME one of the manifest's instances and no "..", or throws.
std::string instance_of(const std::string& path, const std::set<std::string>& names, const std::string& archive) {
  fs::path relative(path);
  if (relative.is_absolute()) throw Error(archive + ": entry '" + path + "' is an absolute path");
  for (const auto& part : relative)
    if (part == ".." || part == ".") throw Error(archive + ": entry '" + path + "' leaves its directory");
  auto it = relative.begin();
  if (it == relative.end() || *it != "instances" || ++it == relative.end() || !names.count(it->string()))
    throw Error(archive + ": entry '" + path + "' is not inside an instance the manifest lists");
  return it->string();
}

}  // namespace

RestoreResult restore_backup(const Deployment& deployment, const fs::path& archive_path, bool force,
                             InstanceRuntime* runtime) {
  std::string where = archive_path.string();
  if (!fs::exists(archive_path)) throw Error("no backup file " + where);
  ArchiveReader reader;
  archive* in = reader.handle;
  archive_read_support_filter_all(in);
  archive_read_support_format_all(in);
  auto damaged = [&](const std::string& what) -> Error {
    return Error("the backup " + where + " is damaged or not a nanoforge backup: " + what);
  };
  if (archive_read_open_filename(in, archive_path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw damaged(archive_error_string(in) ? archive_error_string(in) : "unreadable");
  archive_entry* entry = nullptr;
  if (archive_read_next_header(in, &entry) != ARCHIVE_OK) throw damaged(archive_error_string(in) ? archive_error_string(in) : "empty");
  if (std::string(archive_entry_pathname(entry)) != kBackupManifestName)
    throw damaged(std::string("its first entry is '") + archive_entry_pathname(entry) + "', expected " + kBackupManifestName);
  std::string manifest_text;
  {
    char chunk[16384];
    la_ssize_t got;
    while ((got = archive_read_data(in, chunk, sizeof chunk)) > 0) manifest_text.append(chunk, static_cast<std::size_t>(got));
    if (got < 0) throw damaged(archive_error_string(in));
  }
  json manifest;
  try {
    manifest = json::parse(manifest_text);
  } catch (const json::exception& error) {
    throw damaged(std::string(kBackupManifestName) + " is not JSON: " + error.what());
  }
  if (!manifest.is_object() || manifest.value("format", "") != kBackupFormat)
    throw damaged(std::string(kBackupManifestName) + " does not declare format " + kBackupFormat);

  RestoreResult result;
  result.manifest = manifest;
  std::set<std::string> names;
  std::map<std::string, json> expected;
  try {
    for (const auto& name : manifest.at("instances")) {
      validate_instance_name(name.get<std::string>());
      names.insert(name.get<std::string>());
    }
    for (const auto& file : manifest.at("files")) expected[file.at("path").get<std::string>()] = file;
  } catch (const json::exception& error) {
    throw damaged(std::string(kBackupManifestName) + ": " + error.what());
  } catch (const Error& error) {
    throw damaged(error.what());
  }

  fs::create_directories(deployment.instances_dir());
  std::map<std::string, StagedRestore> staged;
  struct Cleanup {
    std::map<std::string, StagedRestore>& staged;
    ~Cleanup() {
      for (auto& [name, restore] : staged) remove_quietly(restore.staging);
    }
  } cleanup{staged};
  for (const auto& name : names) {
    StagedRestore restore{name, deployment.instances_dir() / (".restore-" + name + "-" + random_suffix())};
    staged[name] = restore;
  }

  struct Times {
    fs::path path;
    la_int64_t mtime;
    bool is_link;
  };
  std::vector<Times> times;
  std::set<std::string> seen;
  std::vector<char> buffer(1 << 16);
  int status;
  while ((status = archive_read_next_header(in, &entry)) == ARCHIVE_OK) {
    std::string path = archive_entry_pathname(entry);
    while (path.size() > 1 && path.back() == '/') path.pop_back();  // tar marks directories so
    std::string name = instance_of(path, names, where);
    auto found = expected.find(path);
    if (found == expected.end()) throw damaged("entry '" + path + "' is not in the manifest");
    if (!seen.insert(path).second) throw damaged("entry '" + path + "' appears twice");
    const json& want = found->second;
    fs::path inside = fs::path(path).lexically_relative(fs::path("instances") / name);
    fs::path target = staged[name].staging / inside;
    if (inside == ".") target = staged[name].staging;
    auto type = archive_entry_filetype(entry);
    std::string want_type = want.value("type", "");
    unsigned mode = archive_entry_perm(entry);
    if (type == AE_IFDIR && want_type == "directory") {
      fs::create_directories(target);
      ::chmod(target.c_str(), mode);
    } else if (type == AE_IFREG && want_type == "file") {
      if (inside == instance_files::kSecrets) staged[name].has_secrets = true;
      int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) throw_system_error("cannot create", target.string());
      Sha256 hash;
      la_ssize_t got;
      while ((got = archive_read_data(in, buffer.data(), buffer.size())) > 0) {
        hash.update(buffer.data(), static_cast<std::size_t>(got));
        if (::write(fd, buffer.data(), static_cast<std::size_t>(got)) != got) {
          ::close(fd);
          throw_system_error("cannot write", target.string());
        }
      }
      ::fchmod(fd, mode);
      ::close(fd);
      if (got < 0) throw damaged(path + ": " + archive_error_string(in));
      std::uint64_t size = hash.size();
      std::string digest = hash.finish().hex;
      if (digest != want.value("sha256", "") || size != want.value("size", std::uint64_t{0}))
        throw Error("the backup " + where + " was altered: " + path + " does not match its SHA-256 in " +
                    kBackupManifestName + " (expected " + want.value("sha256", "") + ", got " + digest + ")");
    } else if (type == AE_IFLNK && want_type == "symlink") {
      std::string link = archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "";
      if (link != want.value("target", "")) throw damaged(path + ": symlink target differs from the manifest");
      fs::create_symlink(link, target);
    } else {
      throw damaged("entry '" + path + "' has a different type than the manifest says (" + want_type + ")");
    }
    if (::geteuid() == 0)
      if (::lchown(target.c_str(), static_cast<uid_t>(archive_entry_uid(entry)),
                   static_cast<gid_t>(archive_entry_gid(entry))) != 0)
        throw_system_error("cannot set the owner of", target.string());
    times.push_back({target, archive_entry_mtime(entry), type == AE_IFLNK});
  }
  if (status != ARCHIVE_EOF) throw damaged(archive_error_string(in) ? archive_error_string(in) : "truncated");
  for (const auto& [path, file] : expected)
    if (!seen.count(path)) throw damaged(path + " is listed in the manifest but missing from the archive");
  // Directories' times last: creating their contents changed them.
  for (auto it = times.rbegin(); it != times.rend(); ++it) {
    timespec stamps[2] = {{it->mtime, 0}, {it->mtime, 0}};
    ::utimensat(AT_FDCWD, it->path.c_str(), stamps, AT_SYMLINK_NOFOLLOW);
  }

  // Everything verified; now the deployment changes.
  for (const auto& name : names) {
    fs::path live = deployment.instance_dir(name);
    if (fs::exists(live) && !force)
      throw Error("instance '" + name + "' exists in " + deployment.root().string() +
                  (runtime && runtime->is_running(name) ? " and is running" : "") +
                  "; restore with --force to replace it");
  }
  // What is replaced stays undoable, as a delete does: a backup of it first, secrets included.
  for (const auto& name : names)
    if (fs::exists(deployment.instance_dir(name))) {
      BackupOptions safety;
      safety.include_secrets = true;
      result.replaced_backups.push_back(
          backup_instances(deployment, {name}, default_backup_path(deployment, name + "-before-restore"), safety, runtime)
              .archive);
    }
  for (auto& [name, restore] : staged) {
    fs::path live = deployment.instance_dir(name);
    fs::path staged_secrets = restore.staging / instance_files::kSecrets;
    if (!restore.has_secrets) {
      if (fs::exists(live / instance_files::kSecrets)) {
        fs::copy_file(live / instance_files::kSecrets, staged_secrets);  // keep the secret the user has
      } else {
        Instance instance = instance_from_json(parse_json_file(restore.staging / instance_files::kRecord),
                                               (live / instance_files::kRecord).string());
        // An empty line for every variable the restored config.json refers to, to fill in.
        std::vector<SecretVariable> variables;
        auto config = read_file_if_exists(restore.staging / instance_files::kConfig);
        for (const auto& variable : secret_references(config.value_or(""))) variables.push_back({variable, ""});
        write_new_file(staged_secrets, config ? secrets_env(instance, variables) : secrets_env(instance, std::nullopt),
                       0600);
        result.secrets_to_supply.push_back(name);
        for (const auto& variable : variables) result.variables_to_supply[name].push_back(variable.name);
      }
    }
    if (fs::exists(staged_secrets)) give_secrets_to_instance_group(staged_secrets);
    if (fs::exists(live)) {
      if (runtime && runtime->is_running(name)) {
        runtime->stop({name});
        result.stopped.push_back(name);
      }
      fs::path old = deployment.instances_dir() / (".replaced-" + name + "-" + random_suffix());
      if (::rename(live.c_str(), old.c_str()) != 0) throw_system_error("cannot move aside", live.string());
      if (::rename(restore.staging.c_str(), live.c_str()) != 0) {
        ::rename(old.c_str(), live.c_str());
        throw_system_error("cannot move the restored instance into place", live.string());
      }
      // Logins the backup left out stay as they were, like the .env above: moved, so their
      // owner (the container's user) and modes are kept.
      if (!restore.has_secrets)
        for (const auto& store : instance_files::credential_stores(old)) {
          if (fs::exists(live / store)) continue;
          fs::create_directories((live / store).parent_path());
          if (::rename((old / store).c_str(), (live / store).c_str()) != 0)
            throw_system_error("cannot keep the logins of", (live / store).string() + " (they are in " + old.string() + ")");
        }
      remove_quietly(old);
    } else if (::rename(restore.staging.c_str(), live.c_str()) != 0) {
      throw_system_error("cannot move the restored instance into place", live.string());
    }
    result.instances.push_back(name);
  }
  for (const auto& store : result.manifest.value("credentialStoresLeftOut", json::array()))
    if (store.is_string() && !fs::exists(deployment.root() / store.get<std::string>()))
      result.logins_to_redo.push_back(store.get<std::string>());
  staged.clear();
  sync_directory(deployment.instances_dir());
  return result;
}

}  // namespace nanoforge::deploy
