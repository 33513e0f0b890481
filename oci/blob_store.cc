#include "oci/blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/error.h"
#include "base/file_chunks.h"

namespace nanoforge::oci {

namespace fs = std::filesystem;

BlobWriter::BlobWriter(const fs::path& blobs_root)
    : blobs_root_(blobs_root), file_(blobs_root / "sha256" / "incoming", 0644) {}

void BlobWriter::write(const void* data, std::size_t size) {
  hash_.update(data, size);
  file_.write(data, size);
}

StoredBlob BlobWriter::commit() {
  StoredBlob blob{hash_.finish(), hash_.size()};
  file_.commit(blobs_root_ / blob.digest.algorithm / blob.digest.hex);
  return blob;
}

BlobStore::BlobStore(fs::path blobs_root) : root_(std::move(blobs_root)) {
  std::error_code error;
  fs::create_directories(root_ / "sha256", error);
  if (error) throw Error("cannot create blob directory " + (root_ / "sha256").string() + ": " + error.message());
}

fs::path BlobStore::path_of(const Digest& digest) const { return root_ / digest.algorithm / digest.hex; }

bool BlobStore::contains(const Digest& digest) const {
  std::error_code error;
  return fs::is_regular_file(path_of(digest), error);
}

std::uint64_t BlobStore::size_of(const Digest& digest) const {
  std::error_code error;
  auto size = fs::file_size(path_of(digest), error);
  if (error) throw Error("blob " + digest.str() + " is missing from " + root_.string());
  return size;
}

StoredBlob BlobStore::put(std::string_view bytes) {
  auto digest = sha256_of(bytes);
  if (!contains(digest)) {
    AtomicFile file(path_of(digest));
    file.write(bytes);
    file.commit();
  }
  return {digest, bytes.size()};
}

StoredBlob BlobStore::put_file(const fs::path& source) {
  auto out = writer();
  read_file_chunks(source, [&](const char* data, std::size_t size) {
    out.write(data, size);
    return true;
  });
  return out.commit();
}

void BlobStore::verify(const Digest& digest) const {
  auto path = path_of(digest);
  if (!contains(digest)) throw Error("blob " + digest.str() + " is missing: " + path.string());
  auto actual = sha256_of_file(path);
  if (actual != digest)
    throw Error("blob " + path.string() + " is corrupt: its content hashes to " + actual.str());
}

std::string BlobStore::read(const Digest& digest) const {
  auto path = path_of(digest);
  if (!contains(digest)) throw Error("blob " + digest.str() + " is missing: " + path.string());
  auto bytes = read_file(path);
  if (sha256_of(bytes) != digest)
    throw Error("blob " + path.string() + " is corrupt: content does not match its digest");
  return bytes;
}

}  // namespace nanoforge::oci
