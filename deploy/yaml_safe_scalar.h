// Writing YAML that every reader of nanoforge's files reads as it was meant: Compose v1 and
// podman-compose read the compose file with PyYAML (YAML 1.1), Compose v2 with Go's yaml.v3
// (YAML 1.2 core plus YAML 1.1 leftovers), nanoforge itself with yaml-cpp.
//
// Why: a plain (unquoted) scalar is typed by its text. YAML 1.1 reads `yes`, `off`, `y` as
// booleans, `123`, `0x1f`, `010`, `0b1`, `1_000`, `1:20` as integers, `1.5`, `.inf` as floats,
// `~`, `null` and nothing as null, `2001-12-14` as a date, `<<` as the merge key and `=` as the
// value key; YAML 1.2 adds `0o17`, `08` and `1e3`. An instance named `yes` written as the plain
// key `yes:` became a service named True, and Compose refused the whole file. Names are never
// refused for this: what may be read as something else is quoted.
//
// The rule is the union of the implicit-type regular expressions of
//   - the YAML 1.1 type repository: yaml.org/type/bool.html, int.html, float.html (with
//     PyYAML's `[0-9_]` and the page's `[0-9.]` after the point both taken), null.html,
//     timestamp.html (time-zone spacing as PyYAML reads it), merge.html, value.html;
//   - the YAML 1.2.2 core schema (spec section 10.3.2);
//   - the readers' own extensions: Go's yaml.v3 (Compose v2) takes any integer
//     strconv.ParseInt(_, 0, 64) takes once every '_' is removed (0b 0o 0x in either case,
//     leading-zero octal), floats with '_' and dates with a one-digit month or day; ruamel.yaml
//     (YAML 1.2 in Python) takes '_' anywhere in a number ("-_" is an int) and 0-prefixed octal.
// Quoting a string that needed none costs two characters; missing one breaks the deployment.
#pragma once
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace nanoforge::deploy {

// True when some YAML 1.1 or 1.2 reader resolves `text`, written as a plain scalar, to a type
// other than string (bool, int, float, null, timestamp, merge or value key); such a text is
// written quoted. Any text; throws nothing.
bool plain_scalar_may_not_be_string(std::string_view text);

// Writes `text` as a string scalar (a key or a value): plain when every reader reads the plain
// text back as this same string, double-quoted otherwise. Texts that cannot be plain at all
// (": " inside, a leading "-  ", "#"...) yaml-cpp quotes by itself. Throws nothing; errors show
// in out.good().
void emit_string(YAML::Emitter& out, const std::string& text);

// Writes a map key: the merge key `<<` plain, as Compose means it wherever a user's override
// has one (nanoforge never writes `<<` meaning the text); any other key by emit_string, since
// Compose reads every key as a string. Throws nothing; errors show in out.good().
void emit_key(YAML::Emitter& out, const std::string& key);

// Scalars of a tree built for emit_node, by what the written file must keep of them:
//   - no tag (built from a std::string in code): a string, written by emit_string;
//   - "!" (quoted in a parsed file, or from quoted_string()): a string, always double-quoted;
//   - "tag:yaml.org,2002:str" (`!!str` in a parsed file): a string, written by emit_string;
//   - "?" (plain in a parsed file, or from plain_value()) and any other tag: written plain as
//     it stands, for the reader to type (true, 3, 0.5 in a user's override are meant so).
// Keys are written by emit_key whatever their tag (a quoted one stays quoted).
YAML::Node quoted_string(const std::string& text);  // "1000:1000", "${HTTPS_PROXY}"
YAML::Node plain_value(const std::string& text);    // read_only: true, retries: 3

// Writes `node` (a scalar, sequence or map; flow style kept) as described above; null and
// undefined nodes as `~`. Tags are not written. Throws nothing; errors show in out.good().
void emit_node(YAML::Emitter& out, const YAML::Node& node);

// Whether two scalars are written, and so read back, as the same value: same text, and both
// strings or both plain values that may be read as something else.
bool same_scalar(const YAML::Node& a, const YAML::Node& b);

}  // namespace nanoforge::deploy
