// An OCI image layout directory (oci-layout, index.json, blobs/) holding several tagged
// images that share blobs. index.json is always replaced atomically and last, under a lock,
// so a killed or concurrent run never leaves it pointing at missing blobs.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "oci/blob_store.h"
#include "oci/descriptor.h"
#include "oci/image.h"

namespace nanoforge::oci {

// "nanobot:1.0" split and checked (name per distribution-spec's path component grammar,
// tag per `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`); a missing tag means "latest".
struct ImageReference {
  std::string name;
  std::string tag;
  std::string str() const { return name + ":" + tag; }
  static ImageReference parse(const std::string& text);
};

inline constexpr const char* kRefNameAnnotation = "org.opencontainers.image.ref.name";

class Layout {
 public:
  // Opens, or creates when missing, the layout at `directory`. Throws when `directory` is a
  // file, or an existing layout's oci-layout/index.json is malformed.
  explicit Layout(std::filesystem::path directory);

  const std::filesystem::path& directory() const { return directory_; }
  BlobStore& blobs() { return blobs_; }
  const BlobStore& blobs() const { return blobs_; }

  // Points `reference` at the manifest (replacing a previous image of the same name:tag).
  void tag(const ImageReference& reference, const Descriptor& manifest);
  // Several tags in one atomic index.json update.
  void tag_all(const std::vector<std::pair<ImageReference, Descriptor>>& tags);
  void untag(const ImageReference& reference);
  std::optional<Descriptor> find(const ImageReference& reference) const;
  // Like find, but throws "image NAME:TAG not found in LAYOUT (has: ...)".
  Descriptor resolve(const ImageReference& reference) const;
  Image load(const ImageReference& reference) const;
  // Every (reference, manifest) in index.json order.
  std::vector<std::pair<ImageReference, Descriptor>> list() const;

  // Removes blobs no tagged image references; returns how many bytes were freed.
  std::uint64_t gc();

 private:
  std::filesystem::path directory_;
  BlobStore blobs_;
};

}  // namespace nanoforge::oci
