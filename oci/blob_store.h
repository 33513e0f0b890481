// A content-addressed blob store: blobs/sha256/<hex>, written under a temporary name and
// renamed into place by their digest, never handed out without their digest checked.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/atomic_file.h"
#include "base/digest.h"

namespace nanoforge::oci {

// What was stored: the digest of the bytes and how many there were.
struct StoredBlob {
  Digest digest;
  std::uint64_t size = 0;
};

// Streams bytes into a new blob, hashing them on the way; commit() names it by its digest.
class BlobWriter {
 public:
  explicit BlobWriter(const std::filesystem::path& blobs_root);
  void write(const void* data, std::size_t size);
  StoredBlob commit();

 private:
  std::filesystem::path blobs_root_;
  AtomicFile file_;
  Sha256 hash_;
};

class BlobStore {
 public:
  // `blobs_root` is the directory holding "sha256/"; it is created when missing.
  explicit BlobStore(std::filesystem::path blobs_root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path path_of(const Digest& digest) const;
  bool contains(const Digest& digest) const;
  std::uint64_t size_of(const Digest& digest) const;

  StoredBlob put(std::string_view bytes);
  // Copies a file in (hard-linking when on the same filesystem is not attempted: blobs
  // must not change when the source does).
  StoredBlob put_file(const std::filesystem::path& source);
  BlobWriter writer() const { return BlobWriter(root_); }

  // Re-hashes the stored blob; throws nanoforge::Error when missing or corrupt.
  void verify(const Digest& digest) const;
  // Reads a blob whole after verifying it (for manifests and configs, which are small).
  std::string read(const Digest& digest) const;

 private:
  std::filesystem::path root_;
};

}  // namespace nanoforge::oci
