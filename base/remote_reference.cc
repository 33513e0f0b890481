#include "base/remote_reference.h"

#include "base/error.h"

namespace nanoforge {

namespace {
// Docker's rule: the first component names a registry when it has a '.' or ':' or is
// "localhost"; otherwise the whole text is a Docker Hub repository.
bool looks_like_registry(const std::string& component) {
  return component.find_first_of(".:") != std::string::npos || component == "localhost";
}
}  // namespace

bool is_valid_repository(const std::string& repository) {
  if (repository.empty() || repository.size() > 255) return false;
  std::size_t start = 0;
  while (true) {
    auto slash = repository.find('/', start);
    auto component = repository.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!is_valid_path_component(component)) return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

std::string normalize_registry_host(const std::string& host) {
  if (host == "index.docker.io" || host == "registry-1.docker.io" || host == "registry.hub.docker.com")
    return "docker.io";
  return host;
}

std::string RemoteReference::api_host() const {
  return registry == "docker.io" ? "registry-1.docker.io" : registry;
}

std::string RemoteReference::manifest_reference() const {
  if (digest) return digest->str();
  return tag;
}

std::string RemoteReference::str() const {
  std::string text = registry + "/" + repository;
  if (!tag.empty()) text += ":" + tag;
  if (digest) text += "@" + digest->str();
  return text;
}

RemoteReference RemoteReference::with_tag(const std::string& new_tag) const {
  RemoteReference copy = *this;
  copy.tag = new_tag;
  copy.digest.reset();
  return copy;
}

RemoteReference RemoteReference::parse(const std::string& text) {
  auto fail = [&](const std::string& why) -> RemoteReference {
    throw Error("invalid image reference '" + text + "': " + why +
                " (expected [REGISTRY/]REPOSITORY[:TAG][@sha256:DIGEST])");
  };
  if (text.empty()) return fail("it is empty");
  std::string rest = text;
  for (const char* scheme : {"docker://", "http://", "https://"})
    if (rest.rfind(scheme, 0) == 0) return fail(std::string("drop the '") + scheme + "' prefix");

  RemoteReference reference;
  if (auto at = rest.find('@'); at != std::string::npos) {
    try {
      reference.digest = Digest::parse(rest.substr(at + 1));
    } catch (const Error& error) {
      return fail(error.what());
    }
    rest = rest.substr(0, at);
  }
  auto first_slash = rest.find('/');
  if (first_slash != std::string::npos && looks_like_registry(rest.substr(0, first_slash))) {
    reference.registry = rest.substr(0, first_slash);
    rest = rest.substr(first_slash + 1);
    if (!is_valid_registry_host(reference.registry))
      return fail("'" + reference.registry + "' is not a valid registry host[:port]");
  } else {
    reference.registry = "docker.io";
  }
  // The tag follows the last ':' after the last '/' (a registry port was removed above).
  auto last_slash = rest.rfind('/');
  auto colon = rest.find(':', last_slash == std::string::npos ? 0 : last_slash);
  if (colon != std::string::npos) {
    reference.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!is_valid_tag(reference.tag))
      return fail("tag '" + reference.tag + "' is not valid: it must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  }
  reference.registry = normalize_registry_host(reference.registry);
  if (reference.registry == "docker.io" && rest.find('/') == std::string::npos) rest = "library/" + rest;
  if (!is_valid_repository(rest))
    return fail("repository '" + rest +
                "' is not valid: lowercase letters, digits and separators (. _ __ -) between '/'");
  reference.repository = rest;
  if (reference.tag.empty() && !reference.digest) reference.tag = "latest";
  return reference;
}

}  // namespace nanoforge
