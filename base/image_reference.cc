#include "base/image_reference.h"

#include "base/error.h"
#include "base/reference_grammar.h"

namespace nanoforge {

namespace {
void check_name(const std::string& name, const std::string& text) {
  auto fail = [&](const std::string& why) {
    throw Error("invalid image reference '" + text + "': " + why);
  };
  if (name.empty()) fail("the name is empty (expected NAME[:TAG], e.g. nanobot:1.0)");
  if (name.size() > 255) fail("the name is longer than 255 characters");
  std::size_t start = 0;
  bool first = true;
  while (true) {
    auto slash = name.find('/', start);
    std::string component = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    // Like Docker: a first component with '.' or ':' (or "localhost") names a registry host.
    bool is_host = first && slash != std::string::npos &&
                   (component.find_first_of(".:") != std::string::npos || component == "localhost");
    if (is_host ? !is_valid_registry_host(component) : !is_valid_path_component(component))
      fail("name component '" + component + "' must be lowercase letters and digits, " +
           "separated by '.', '_', '__' or '-'");
    if (slash == std::string::npos) break;
    start = slash + 1;
    first = false;
  }
}
}  // namespace

ImageReference ImageReference::parse(const std::string& text) {
  if (text.find('@') != std::string::npos)
    throw Error("invalid image reference '" + text + "': digest references (NAME@sha256:...) " +
                "are not supported here; use NAME:TAG");
  ImageReference reference;
  auto colon = text.rfind(':');
  auto slash = text.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    reference.name = text.substr(0, colon);
    reference.tag = text.substr(colon + 1);
    if (!is_valid_tag(reference.tag))
      throw Error("invalid image reference '" + text + "': tag '" + reference.tag +
                  "' must be 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-'");
  } else {
    reference.name = text;
    reference.tag = "latest";
  }
  check_name(reference.name, text);
  return reference;
}

}  // namespace nanoforge
