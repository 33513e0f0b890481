// update-alternatives, reproduced as data: the `update-alternatives --install` calls of the
// selected packages' postinst scripts are read (never run), and what dpkg's
// update-alternatives does for them in auto mode is written into the tree: for each name the
// alternative with the highest priority wins, its link and /etc/alternatives/NAME are made,
// with the slaves whose files exist, and /var/lib/dpkg/alternatives/NAME records every
// alternative so that update-alternatives works in images derived from this one.
//
// Follows dpkg's utils/update-alternatives.c (the "--install" syntax of update-alternatives(1)
// and the administrative file written by alternative_save): the file holds the status
// ("auto"), the master link, the slaves as name and link lines, an empty line, then per
// alternative its path, its priority and one line per slave (its path, or empty), and a final
// empty line.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "rootfs/staging_tree.h"

namespace nanoforge::rootfs {

struct AlternativeLink {
  std::string link;  // "/usr/bin/awk": the generic name users run
  std::string name;  // "awk": the group, /etc/alternatives/awk
  std::string path;  // "/usr/bin/mawk": the file it points at
};

// One `update-alternatives --install LINK NAME PATH PRIORITY [--slave LINK NAME PATH]...`.
struct AlternativeInstall {
  std::string package;  // whose postinst made the call
  AlternativeLink master;
  long priority = 0;
  std::vector<AlternativeLink> slaves;
};

struct AlternativeCalls {
  std::vector<AlternativeInstall> installs;
  // Calls that could not be taken as data, as "PACKAGE postinst:LINE: WHY" (an argument that
  // is not a literal word, such as "$PKG", or a malformed call): reported, never guessed.
  std::vector<std::string> unreadable;
};

// The --install calls of `package`'s postinst `script` (a POSIX shell script): a call is the
// command word update-alternatives followed by its arguments up to the end of the command
// (a newline not escaped by a backslash, `;`, `&`, `|` or `)`). Words may be quoted; a word
// with `$`, a backquote or a glob character is not literal. Other subcommands (--remove,
// --set, ...) change nothing on a fresh system and are skipped. Pure.
AlternativeCalls find_alternative_installs(const std::string& package, const std::string& script);

struct AppliedAlternatives {
  std::vector<std::string> names;  // the groups written, in name order
  // What update-alternatives would have said and skipped: no alternative's file exists, or a
  // link's place is taken by something that is not a symlink ("PACKAGE: NAME: WHY").
  std::vector<std::string> skipped;
};

// Writes the groups of `installs` into `tree` in auto mode: per name, the alternative whose
// path exists with the highest priority (a tie goes to the path first in byte order); links
// are absolute (LINK -> /etc/alternatives/NAME -> PATH), paths follow merged-/usr, a slave
// whose file does not exist (slimmed man pages) gets no link but keeps its line in the
// database. Call after every package is unpacked. Throws nanoforge::Error only when the tree
// cannot be written.
// `slimmed` (may be empty) tells the paths the build leaves out on purpose (slimming.h): a
// group whose every file is one of them (bash's builtins.7.gz man page) is skipped silently.
AppliedAlternatives apply_alternatives(StagingTree& tree, const std::vector<AlternativeInstall>& installs,
                                       const std::function<bool(const std::string& path)>& slimmed = {});

}  // namespace nanoforge::rootfs
