#include "rootfs/fixups.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <vector>

#include "base/error.h"
#include "base/subprocess.h"

namespace nanoforge::rootfs {

namespace fs = std::filesystem;

namespace {

constexpr FileMetadata kFile{0644, 0, 0};
constexpr FileMetadata kDirectory{0755, 0, 0};
// Debian's fixed id of the `shadow` group (base-passwd).
constexpr std::uint32_t kShadowGid = 42;

bool is_regular(const StagingTree& tree, const std::string& path) {
  return tree.type_of(path) == fs::file_type::regular;
}

std::string image_path(const std::string& absolute) {
  return absolute.starts_with('/') ? absolute.substr(1) : absolute;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

void write_accounts(StagingTree& tree, const FixupOptions& options) {
  const RuntimeUser& user = options.user;
  static const std::regex valid_name("[a-z_][a-z0-9_-]{0,31}");
  if (!std::regex_match(user.name, valid_name))
    throw Error("runtime user name '" + user.name + "' is not a valid user name (expected [a-z_][a-z0-9_-]*)");
  static const std::set<std::string> system_names{"root", "nobody", "nogroup", "shadow", "tty", "users"};
  if (system_names.count(user.name))
    throw Error("runtime user name '" + user.name + "' collides with a system account");
  for (std::uint32_t id : {user.uid, user.gid})
    if (id == 0 || id == 5 || id == kShadowGid || id == 100 || id == 65534)
      throw Error("runtime user id " + std::to_string(id) + " of '" + user.name +
                  "' collides with a system account (0, 5, 42, 100, 65534)");
  if (user.home.empty() || user.home.front() != '/')
    throw Error("runtime user home '" + user.home + "' must be an absolute path");
  const std::string root_shell = tree.exists("usr/bin/bash") ? "/bin/bash" : "/bin/sh";
  const std::string uid = std::to_string(user.uid), gid = std::to_string(user.gid);
  tree.write_file("etc/passwd",
                  "root:x:0:0:root:/root:" + root_shell +
                      "\n"
                      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" +
                      user.name + ":x:" + uid + ":" + gid + ":" + user.name + ":" + user.home + ":/bin/sh\n",
                  kFile, "write_accounts");
  tree.write_file("etc/group",
                  "root:x:0:\ntty:x:5:\nshadow:x:42:\nusers:x:100:\nnogroup:x:65534:\n" + user.name +
                      ":x:" + gid + ":\n",
                  kFile, "write_accounts");
  // '*' : no password login; an empty "last changed" field disables ageing, so the file does
  // not depend on the day of the build.
  tree.write_file("etc/shadow",
                  "root:*::0:99999:7:::\nnobody:*::0:99999:7:::\n" + user.name + ":*::0:99999:7:::\n",
                  {0640, 0, kShadowGid}, "write_accounts");
  tree.write_file("etc/gshadow",
                  "root:*::\ntty:*::\nshadow:*::\nusers:*::\nnogroup:*::\n" + user.name + ":!::\n",
                  {0640, 0, kShadowGid}, "write_accounts");
}

void write_nsswitch_conf(StagingTree& tree) {
  const std::string shipped = "usr/share/libc-bin/nsswitch.conf";
  std::string content = is_regular(tree, shipped) ? tree.read_file(shipped)
                                                  : "passwd:         files\n"
                                                    "group:          files\n"
                                                    "shadow:         files\n"
                                                    "gshadow:        files\n\n"
                                                    "hosts:          files dns\n"
                                                    "networks:       files\n\n"
                                                    "protocols:      db files\n"
                                                    "services:       db files\n"
                                                    "ethers:         db files\n"
                                                    "rpc:            db files\n\n"
                                                    "netgroup:       nis\n";
  tree.write_file("etc/nsswitch.conf", content, kFile, "write_nsswitch_conf");
}

std::size_t write_ca_certificates(StagingTree& tree) {
  const std::string share = "usr/share/ca-certificates";
  if (tree.type_of(share) != fs::file_type::directory) return 0;
  // The certificate names as ca-certificates' postinst finds them (`find | sort`).
  std::vector<std::string> names;
  std::error_code error;
  fs::path base = tree.host_path(share);
  for (fs::recursive_directory_iterator it(base, error), end; it != end; it.increment(error)) {
    if (it->is_symlink() || !it->is_regular_file() || it->path().extension() != ".crt") continue;
    names.push_back(it->path().lexically_relative(base).generic_string());
  }
  if (error) throw Error("cannot read " + base.string() + ": " + error.message());
  std::sort(names.begin(), names.end());

  std::string conf =
      "# This file lists certificates that you wish to use or to ignore to be\n"
      "# installed in /etc/ssl/certs.\n"
      "# update-ca-certificates(8) will update /etc/ssl/certs by reading this file.\n"
      "#\n"
      "# This is autogenerated by ca-certificates.postinst; written by nanoforge.\n";
  for (const auto& name : names) conf += name + "\n";
  tree.write_file("etc/ca-certificates.conf", conf, kFile, "write_ca_certificates");

  tree.make_directory("etc/ssl", kDirectory, "write_ca_certificates");
  tree.make_directory("etc/ssl/certs", kDirectory, "write_ca_certificates");
  std::string bundle;
  std::map<unsigned long, int> hash_counts;
  for (const auto& name : names) {
    std::string certificate = tree.read_file(share + "/" + name);
    bundle += certificate;
    // update-ca-certificates: "Add trailing newline to certificate, if it is missing".
    if (!certificate.empty() && certificate.back() != '\n') bundle += '\n';
    std::string stem = fs::path(name).stem().string();
    for (char& c : stem) {
      if (c == ' ' || c == ',') c = '_';
      if (c == '(' || c == ')') c = '=';
    }
    std::string pem = stem + ".pem";
    tree.make_symlink("etc/ssl/certs/" + pem, "/" + share + "/" + name, "write_ca_certificates");
    // `openssl rehash`: <subject hash>.<n> -> <name>.pem, so CApath lookups work.
    BIO* input = BIO_new_mem_buf(certificate.data(), static_cast<int>(certificate.size()));
    X509* parsed = PEM_read_bio_X509(input, nullptr, nullptr, nullptr);
    BIO_free(input);
    if (!parsed)
      throw Error("ca-certificates: " + share + "/" + name + " is not a PEM certificate");
    unsigned long hash = X509_subject_name_hash(parsed);
    X509_free(parsed);
    char hash_name[32];
    std::snprintf(hash_name, sizeof hash_name, "%08lx.%d", hash, hash_counts[hash]++);
    tree.make_symlink(std::string("etc/ssl/certs/") + hash_name, pem, "write_ca_certificates");
  }
  tree.write_file("etc/ssl/certs/ca-certificates.crt", bundle, kFile, "write_ca_certificates");
  return names.size();
}

void link_openssl_directory(StagingTree& tree) {
  if (!tree.exists("etc/ssl/certs")) return;
  tree.make_directory("usr/lib/ssl", kDirectory, "link_openssl_directory");
  tree.make_symlink("usr/lib/ssl/certs", "/etc/ssl/certs", "link_openssl_directory");
}

void set_timezone(StagingTree& tree, const FixupOptions& options) {
  const std::string zone = "usr/share/zoneinfo/" + options.timezone;
  if (!tree.exists("usr/share/zoneinfo")) return;  // tzdata not selected: glibc assumes UTC
  if (!is_regular(tree, zone))
    throw Error("timezone '" + options.timezone + "' is not in tzdata (no /" + zone + ")");
  tree.make_symlink("etc/localtime", "/" + zone, "set_timezone");
  tree.write_file("etc/timezone", options.timezone + "\n", kFile, "set_timezone");
}

void link_bin_sh(StagingTree& tree) {
  if (tree.exists("usr/bin/sh")) return;  // dash ships the link itself
  if (is_regular(tree, "usr/bin/dash"))
    tree.make_symlink("usr/bin/sh", "dash", "link_bin_sh");
  else if (is_regular(tree, "usr/bin/bash"))
    tree.make_symlink("usr/bin/sh", "bash", "link_bin_sh");
  else
    throw Error("the root file system has no /bin/sh: select dash or bash (healthchecks and "
                "console scripts run through /bin/sh)");
}


void write_shells(StagingTree& tree) {
  const std::string directory = "usr/share/debianutils/shells.d";
  if (tree.type_of("usr/share/debianutils") != fs::file_type::directory) return;
  std::vector<std::string> shells;
  if (is_regular(tree, "usr/share/debianutils/shells"))
    for (auto& line : lines_of(tree.read_file("usr/share/debianutils/shells")))
      if (!line.empty() && line.front() == '/') shells.push_back(line);
  if (tree.type_of(directory) == fs::file_type::directory) {
    std::vector<std::string> files;
    for (const auto& item : fs::directory_iterator(tree.host_path(directory)))
      if (item.is_regular_file() && !item.is_symlink()) files.push_back(item.path().filename().string());
    std::sort(files.begin(), files.end());
    for (const auto& file : files)
      for (auto& line : lines_of(tree.read_file(directory + "/" + file)))
        if (!line.empty() && line.front() == '/') shells.push_back(line);
  }
  std::string content = "# /etc/shells: valid login shells\n";
  std::set<std::string> seen;
  auto add = [&](const std::string& shell) {
    if (seen.insert(shell).second) content += shell + "\n";
  };
  for (const auto& shell : shells) {
    if (!tree.exists(merged_usr_path(image_path(shell)))) continue;
    add(shell);
    // update-shells adds the other spelling of each merged-/usr path.
    if (shell.starts_with("/bin/")) add("/usr" + shell);
  }
  tree.write_file("etc/shells", content, kFile, "write_shells");
}

void create_base_directories(StagingTree& tree, const FixupOptions& options) {
  const std::string context = "create_base_directories";
  for (const char* path : {"tmp", "var/tmp", "run/lock"}) tree.make_directory(path, {01777, 0, 0}, context);
  for (const char* path : {"run", "var", "usr/local", "usr/local/bin", "usr/local/sbin", "usr/local/lib",
                           "usr/local/share", "usr/local/etc", "usr/local/include", "usr/local/src"})
    tree.make_directory(path, kDirectory, context);
  tree.make_directory("root", {0700, 0, 0}, context);
  tree.make_directory(image_path(options.user.home), {0755, options.user.uid, options.user.gid}, context);
}

void run_ldconfig(StagingTree& tree, const FixupOptions& options) {
  if (!tree.exists("etc/ld.so.conf") && !tree.exists("usr/lib/x86_64-linux-gnu/libc.so.6")) return;
  // A few hundred libraries take ldconfig well under a second; a minute means it is stuck.
  ProcessResult result = run_process({options.ldconfig.string(), "-r", tree.root().string()}, within_seconds(60));
  if (!result.ok()) {
    std::string how = result.timed_out ? "did not finish within 60 s" : "failed (exit " + std::to_string(result.exit_code) + ")";
    throw Error("ldconfig -r " + tree.root().string() + " " + how + ": " + result.output);
  }
  if (tree.exists("var/cache/ldconfig/aux-cache")) tree.remove("var/cache/ldconfig/aux-cache");
  if (tree.exists("etc/ld.so.cache")) tree.set_metadata("etc/ld.so.cache", kFile);
}

void apply_fixups(StagingTree& tree, const FixupOptions& options) {
  write_accounts(tree, options);
  write_nsswitch_conf(tree);
  create_base_directories(tree, options);
  link_bin_sh(tree);
  write_shells(tree);
  set_timezone(tree, options);
  write_ca_certificates(tree);
  link_openssl_directory(tree);
  run_ldconfig(tree, options);
}

}  // namespace nanoforge::rootfs
