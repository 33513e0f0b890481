// A reference to an image in a registry: "registry/repository:tag" or "...@sha256:...",
// split, validated and normalised the way Docker does (docker.io, library/).
#pragma once
#include <optional>
#include <string>

#include "base/digest.h"
#include "base/reference_grammar.h"

namespace nanoforge {

struct RemoteReference {
  std::string registry;    // "127.0.0.1:5000", "ghcr.io", "docker.io"
  std::string repository;  // "team/nanobot", "library/debian"
  std::string tag;         // empty when only a digest was given
  std::optional<Digest> digest;

  // The host:port the API is served from (docker.io is served by registry-1.docker.io).
  std::string api_host() const;
  // "tag" or "sha256:..." — what goes after /manifests/.
  std::string manifest_reference() const;
  // "registry/repository:tag" or "registry/repository@sha256:..." (both when both were given).
  std::string str() const;
  // The same repository with another tag (and no digest).
  RemoteReference with_tag(const std::string& new_tag) const;

  // Parses "[registry/]repository[:tag][@digest]". Without a registry, docker.io is meant and a
  // one-component repository gets "library/". Without tag and digest, "latest" is meant.
  // Throws nanoforge::Error naming the text and the part that is not valid.
  static RemoteReference parse(const std::string& text);
};

// Repository grammar: lowercase path components separated by '/', each
// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*.
bool is_valid_repository(const std::string& repository);
// The canonical form of a registry host for credential lookups ("index.docker.io" and
// "registry-1.docker.io" are "docker.io").
std::string normalize_registry_host(const std::string& host);

}  // namespace nanoforge
