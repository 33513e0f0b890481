#include "oci/docker_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <set>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/file_chunks.h"

namespace nanoforge::oci {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ArchiveDeleter {
  void operator()(archive* handle) const { archive_write_free(handle); }
};
struct EntryDeleter {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

std::string blob_member(const Digest& digest) { return "blobs/" + digest.algorithm + "/" + digest.hex; }

// One tar being written: every header is the same apart from path, type, mode and size,
// so the bytes depend only on content.
class TarOutput {
 public:
  TarOutput(int fd, const fs::path& output) : output_(output), handle_(archive_write_new()) {
    if (!handle_) throw Error("libarchive could not allocate a writer for " + output.string());
    check(archive_write_set_format_pax_restricted(handle_.get()));
    check(archive_write_open_fd(handle_.get(), fd));
  }

  void directory(const std::string& path) { header(path, AE_IFDIR, 0755, 0); }

  void file(const std::string& path, std::string_view content) {
    header(path, AE_IFREG, 0644, content.size());
    data(content.data(), content.size());
  }

  void header(const std::string& path, unsigned type, unsigned mode, std::uint64_t size) {
    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), path.c_str());
    archive_entry_set_filetype(entry.get(), type);
    archive_entry_set_perm(entry.get(), mode);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    archive_entry_set_mtime(entry.get(), 0, 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    check(archive_write_header(handle_.get(), entry.get()));
  }

  void data(const void* bytes, std::size_t size) {
    if (size == 0) return;
    if (archive_write_data(handle_.get(), bytes, size) < 0) check(ARCHIVE_FATAL);
  }

  void close() { check(archive_write_close(handle_.get())); }

 private:
  void check(int status) {
    if (status < ARCHIVE_WARN) {
      const char* message = archive_error_string(handle_.get());
      throw Error("cannot write " + output_.string() + ": " + (message ? message : "libarchive error"));
    }
  }
  fs::path output_;
  std::unique_ptr<archive, ArchiveDeleter> handle_;
};

// Copies a blob into the tar in chunks, hashing on the way: a corrupt blob fails the export.
void stream_blob(TarOutput& tar, const BlobStore& store, const Descriptor& blob, std::uint64_t& done,
                 std::uint64_t total, const ProgressCallback& progress) {
  auto path = store.path_of(blob.digest);
  tar.header(blob_member(blob.digest), AE_IFREG, 0644, blob.size);
  Sha256 hash;
  read_file_chunks(
      path,
      [&](const char* data, std::size_t size) {
        if (hash.size() + size > blob.size) return false;  // caught below
        hash.update(data, size);
        tar.data(data, size);
        done += size;
        if (progress) progress({"export docker-archive", done, total, "bytes", false});
        return true;
      },
      "cannot read blob");
  if (hash.size() != blob.size || hash.finish() != blob.digest)
    throw Error("blob " + path.string() + " is corrupt or changed size: it does not match " +
                blob.digest.str() + " (" + std::to_string(blob.size) + " bytes)");
}

}  // namespace

void export_docker_archive(const Layout& layout, const std::vector<ImageReference>& images,
                           const fs::path& output, const ProgressCallback& progress) {
  if (images.empty()) throw Error("export to " + output.string() + ": no images given");
  std::error_code error;
  if (fs::is_directory(output, error))
    throw Error("export output " + output.string() + " is a directory; expected a file name such as image.tar");

  // Blobs must stay put while they are streamed out.
  auto keep_blobs = layout.lock_against_gc();

  // Group references by manifest: Docker writes one manifest.json entry per image.
  struct Exported {
    Image image;
    std::vector<ImageReference> references;
  };
  std::vector<Exported> exported;
  std::map<Digest, std::size_t> position_of;
  std::map<Digest, Descriptor> blobs;  // sorted by digest: the tar order
  for (const auto& reference : images) {
    auto image = layout.load(reference);
    auto [place, inserted] = position_of.emplace(image.manifest.digest, exported.size());
    if (inserted) exported.push_back({image, {}});
    auto& references = exported[place->second].references;
    if (std::find(references.begin(), references.end(), reference) == references.end())
      references.push_back(reference);
    for (const auto& layer : image.layers) {
      if (layer.media_type == media_type::kLayerZstd)
        throw Error("cannot export " + reference.str() + " as a docker-archive: layer " +
                    layer.digest.str() + " is zstd-compressed, which `docker load` before Docker 23 " +
                    "cannot read; build the image with gzip compression (or push it to a registry)");
      blobs[layer.digest] = layer;
    }
    blobs[image.config.digest] = image.config;
    blobs[image.manifest.digest] = image.manifest;
  }

  json manifest_list = json::array();
  json repositories = json::object();
  json index = {{"schemaVersion", 2}, {"mediaType", media_type::kImageIndex}, {"manifests", json::array()}};
  for (const auto& item : exported) {
    json repo_tags = json::array();
    for (const auto& reference : item.references) {
      repo_tags.push_back(reference.str());
      // Only `docker load` of pre-1.10 archives reads this; it maps NAME/TAG to an image.
      repositories[reference.name][reference.tag] = item.image.manifest.digest.hex;
      Descriptor entry = item.image.manifest;
      entry.annotations = {{kRefNameAnnotation, reference.str()}};
      index["manifests"].push_back(to_json(entry));
    }
    json layers = json::array();
    for (const auto& layer : item.image.layers) layers.push_back(blob_member(layer.digest));
    manifest_list.push_back(
        {{"Config", blob_member(item.image.config.digest)}, {"RepoTags", repo_tags}, {"Layers", layers}});
  }

  std::uint64_t total = 0, done = 0;
  for (const auto& [digest, blob] : blobs) total += blob.size;

  AtomicFile file(output, 0644);
  TarOutput tar(file.fd(), output);
  // Sorted by path: blobs/..., index.json, manifest.json, oci-layout, repositories.
  tar.directory("blobs/");
  tar.directory("blobs/sha256/");
  for (const auto& [digest, blob] : blobs) stream_blob(tar, layout.blobs(), blob, done, total, progress);
  tar.file("index.json", index.dump());
  tar.file("manifest.json", manifest_list.dump());
  tar.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  tar.file("repositories", repositories.dump());
  tar.close();
  file.commit();
  if (progress) progress({"export docker-archive", done, total, "bytes", true});
}

}  // namespace nanoforge::oci
