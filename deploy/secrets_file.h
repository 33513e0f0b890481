// An instance's secrets file (instances/NAME/.env) and how its variables reach the app.
//
// The format, defined here once (docker/nanobot-entrypoint applies the same rules in sh):
// - The file is bytes split into lines at LF; the last line may lack its LF.
// - A line that is empty or holds only spaces and tabs is skipped, and so is a line whose
//   first character other than space and tab is '#' (a comment). A '#' anywhere else is
//   part of the value.
// - Every other line is NAME=VALUE. NAME is everything before the first '=' and matches
//   [A-Za-z_][A-Za-z0-9_]*; names starting with "nanoforge_" are the entrypoint's own and
//   refused. VALUE is every byte after that '=' up to the end of the line, taken literally:
//   no quotes removed, no $ expanded, no backslash escapes, no whitespace trimmed.
// - So a value cannot hold LF; it cannot hold NUL either (an environment string ends at
//   NUL), nor end with CR (a file saved with CRLF line endings would otherwise put an
//   invisible CR at the end of every key). Such lines are errors, as are lines without '='.
// - A NAME given twice: the later line wins (as it did with compose's env_file).
//
// Delivery: compose bind-mounts the file read-only at kSecretsMountPoint and the image's
// entrypoint exports each variable before it execs the app, so no compose tool (v1, v2,
// podman-compose) reads or rewrites the values. A bad line stops the container before the
// app starts. The same file serves as a Swarm secret or a Kubernetes Secret volume (key
// nanobot.env) mounted at /run/secrets/.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "deploy/deployment.h"

namespace nanoforge::deploy {

using contract::kSecretsImageLabel;
using contract::kSecretsMountPoint;

struct SecretVariable {
  std::string name;
  std::string value;
  std::size_t line = 0;  // 1-based
};

struct SecretsFile {
  std::vector<SecretVariable> variables;  // in file order, duplicates included
  // Lines that are valid but probably not what their author meant ("SOURCE:LINE: ...").
  std::vector<std::string> warnings;
};

// Parses `text` read from `source` (a path as the user knows it). Throws nanoforge::Error
// listing every bad line as "SOURCE:LINE: reason". Messages never quote a value.
SecretsFile parse_secrets(std::string_view text, const std::string& source);

// Throws nanoforge::Error naming the variable (never the value) when `name` is not a valid
// NAME or `value` cannot be a line's VALUE (LF, NUL, CR at the end).
void check_secret(std::string_view name, std::string_view value);

// "NAME=VALUE\n", after check_secret.
std::string secret_line(std::string_view name, std::string_view value);

// Reads and parses `path`, shown as `shown_as` in messages. Throws nanoforge::Error when the
// file is missing, not a regular file (an engine makes a directory of a missing bind-mount
// source), unreadable, or has bad lines.
SecretsFile read_secrets_file(const std::filesystem::path& path, const std::string& shown_as);

// Lets the container's user read the file and nobody new write it: when run as root, group
// contract::kGid and mode 0640 (the owner stays); otherwise unchanged (the owner's 0600). A
// no-op when it already is so. Throws nanoforge::Error when chown/chmod fail.
void give_secrets_to_instance_group(const std::filesystem::path& path);

// Identifies the file's current content for the compose file (its mtime in nanoseconds), so
// compose recreates a container whose secrets changed; "" when there is no file. Never
// derived from the content: docker-compose.yml is world-readable.
std::string secrets_version(const std::filesystem::path& path);

// Checks the secrets files of the instances named (all when `names` is empty) before any
// container starts: reads and parses each, gives it to the instance group (see above).
// Returns the warnings; throws one nanoforge::Error listing every problem of every file.
std::vector<std::string> check_instance_secrets(const Deployment& deployment,
                                                const std::vector<std::string>& names);

}  // namespace nanoforge::deploy
