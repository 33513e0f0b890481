// Image names inside a layout: "NAME:TAG", as Docker and skopeo spell them.
#pragma once
#include <string>

namespace nanoforge {

// "nanobot:1.0" split and checked: the name per the distribution spec's grammar (lowercase
// path components joined by '/', optionally after a registry host such as
// "127.0.0.1:5000"), the tag per `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`; no tag means "latest".
struct ImageReference {
  std::string name;
  std::string tag;
  // "NAME:TAG", the form stored in the org.opencontainers.image.ref.name annotation.
  std::string str() const { return name + ":" + tag; }
  // Throws nanoforge::Error quoting `text` and saying which part is wrong.
  static ImageReference parse(const std::string& text);
  friend bool operator==(const ImageReference&, const ImageReference&) = default;
  friend auto operator<=>(const ImageReference&, const ImageReference&) = default;
};

}  // namespace nanoforge
