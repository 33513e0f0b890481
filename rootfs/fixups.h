// What the maintainer scripts of the selected packages would have done, done by hand, the
// way mmdebstrap's and debuerreotype's hooks do it: one function per effect, each naming the
// package script it stands in for. None runs anything from the image; only run_ldconfig
// runs the HOST's ldconfig on the tree. Each is idempotent and skips what its package would
// not have done because the package is not installed.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "base/container_contract.h"
#include "rootfs/staging_tree.h"

namespace nanoforge::rootfs {

// The account the container runs as (the image config's `User`).
struct RuntimeUser {
  std::string name = "nanobot";
  std::uint32_t uid = contract::kUid;
  std::uint32_t gid = contract::kGid;
  std::string home = "/data";
};

struct FixupOptions {
  RuntimeUser user;
  std::string timezone = "Etc/UTC";
  std::filesystem::path ldconfig = "/sbin/ldconfig";  // the host's, run with -r on the tree
};

// base-passwd's postinst (update-passwd from /usr/share/base-passwd/*.master) plus the
// `adduser` a Dockerfile would run: /etc/passwd, /etc/group, /etc/shadow, /etc/gshadow with
// root, nobody/nogroup, the shadow/tty/users groups and the runtime user. Throws Error when
// the runtime user's name or ids collide with the system accounts.
void write_accounts(StagingTree& tree, const FixupOptions& options);

// libc-bin's postinst: /etc/nsswitch.conf from /usr/share/libc-bin/nsswitch.conf.
void write_nsswitch_conf(StagingTree& tree);

// ca-certificates' postinst (debconf + update-ca-certificates): /etc/ca-certificates.conf
// naming every certificate under /usr/share/ca-certificates, the bundle
// /etc/ssl/certs/ca-certificates.crt, the /etc/ssl/certs/<name>.pem links and the OpenSSL
// subject-hash links (`openssl rehash`). Returns the number of certificates bundled.
std::size_t write_ca_certificates(StagingTree& tree);

// The `openssl` package's links, which libssl3 relies on for its default CA path
// (/usr/lib/ssl/certs -> /etc/ssl/certs) although the command-line tool is left out.
void link_openssl_directory(StagingTree& tree);

// tzdata's postinst: /etc/localtime -> /usr/share/zoneinfo/<zone> and /etc/timezone.
void set_timezone(StagingTree& tree, const FixupOptions& options);

// dash's postinst (or bash for images without dash): /bin/sh. Throws Error when neither
// shell is installed, since engines run healthchecks through /bin/sh.
void link_bin_sh(StagingTree& tree);

// debianutils' postinst (update-shells): /etc/shells from shells.d.
void write_shells(StagingTree& tree);

// base-files' postinst and the Dockerfile's mkdir/chown: /tmp and /var/tmp 1777, /run/lock
// 1777, /usr/local/*, /root 0700 and the runtime user's home owned by it.
void create_base_directories(StagingTree& tree, const FixupOptions& options);

// libc-bin's ldconfig trigger: `ldconfig -r ROOT` writes /etc/ld.so.cache; its aux-cache
// (timestamps of this build) is removed so the tree stays reproducible.
void run_ldconfig(StagingTree& tree, const FixupOptions& options);

// All of the above in dpkg's configure order.
void apply_fixups(StagingTree& tree, const FixupOptions& options);

}  // namespace nanoforge::rootfs
