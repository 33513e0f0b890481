// The distribution spec's grammar for the parts of an image reference, shared by local
// (NAME:TAG) and registry (HOST/REPOSITORY:TAG) references. The patterns are compiled on
// first use, so commands that never parse a reference do not pay for them at start-up.
#pragma once
#include <string>

namespace nanoforge {

// [A-Za-z0-9_][A-Za-z0-9._-]{0,127}
bool is_valid_tag(const std::string& tag);
// One repository path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool is_valid_path_component(const std::string& component);
// A host name or IPv4 address with an optional port, or a bracketed IPv6 address.
bool is_valid_registry_host(const std::string& host);

}  // namespace nanoforge
