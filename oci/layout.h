// An OCI image layout directory (oci-layout, index.json, blobs/) holding several tagged
// images that share blobs. index.json is always replaced atomically and last, under a lock,
// and only once every blob it points at is in place, so a killed or concurrent run never
// leaves it pointing at missing blobs.
//
// Locking rule (two flock(2) files in the layout):
//   .nanoforge-index.lock  exclusive for every read-modify-write of index.json (tag, untag)
//                          and for gc, so no update is lost and gc sees a stable index.
//   .nanoforge-blobs.lock  shared by everyone who writes blobs meant to be tagged, or reads
//                          blobs at length (export), from before the first blob is written
//                          or checked until the tag is committed; gc takes it exclusively.
// So gc never deletes a blob a build has written (or found already present) but not yet
// tagged: it simply waits for running builds. Order: blobs lock before index lock, and never
// call gc() while holding lock_against_gc() on the same layout (it would wait for itself).
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/blob_store.h"
#include "oci/descriptor.h"
#include "base/file_lock.h"
#include "oci/image.h"
#include "base/image_reference.h"

namespace nanoforge::oci {

inline constexpr const char* kRefNameAnnotation = "org.opencontainers.image.ref.name";

class Layout {
 public:
  // Opens, or creates when missing, the layout at `directory`. Throws nanoforge::Error
  // naming the path when `directory` is a file, is a non-empty directory that is not a
  // layout, or its oci-layout/index.json is malformed.
  explicit Layout(std::filesystem::path directory);

  const std::filesystem::path& directory() const { return directory_; }
  BlobStore& blobs() { return blobs_; }
  const BlobStore& blobs() const { return blobs_; }
  std::filesystem::path index_path() const { return directory_ / "index.json"; }

  // Hold this (shared; many builds at once) while writing blobs you are about to tag, or
  // while reading blobs at length; gc() waits until every holder has let go.
  FileLock lock_against_gc() const;

  // Points `reference` at the manifest (or image index), replacing a previous image of the
  // same NAME:TAG. Throws, leaving index.json untouched, when a blob the manifest needs
  // (itself, its config, a layer, a nested manifest) is missing or has the wrong size.
  void tag(const ImageReference& reference, const Descriptor& manifest);
  // Several tags in one atomic index.json update.
  void tag_all(const std::vector<std::pair<ImageReference, Descriptor>>& tags);
  // Throws "image NAME:TAG not found in LAYOUT" when it is not there.
  void untag(const ImageReference& reference);
  std::optional<Descriptor> find(const ImageReference& reference) const;
  // Like find, but throws "image NAME:TAG not found in LAYOUT (has: ...)".
  Descriptor resolve(const ImageReference& reference) const;
  // The image NAME:TAG names; for an image index, its linux/amd64 (or only) manifest.
  Image load(const ImageReference& reference) const;
  // Every (reference, manifest) in index.json order; entries without a NAME:TAG
  // ref.name annotation (written by other tools) are left out.
  std::vector<std::pair<ImageReference, Descriptor>> list() const;

  // Removes blobs no image in index.json reaches (manifest -> config and layers, nested
  // indexes followed), and blob temporaries left by runs killed more than a day ago.
  // Returns how many bytes were freed.
  std::uint64_t gc();

 private:
  nlohmann::json read_index() const;
  void write_index(const nlohmann::json& index) const;
  // Throws when `descriptor` or anything it references is missing from the blob store.
  void check_complete(const Descriptor& descriptor, const std::string& context) const;

  std::filesystem::path directory_;
  BlobStore blobs_;
};

}  // namespace nanoforge::oci
