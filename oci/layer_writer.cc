#include "oci/layer_writer.h"

#include <algorithm>
#include <memory>

#include "oci/byte_pipe.h"
#include "base/error.h"
#include "oci/parallel_gzip.h"
#include "oci/tar_stream.h"
#include "oci/zstd_compressor.h"

namespace nanoforge::oci {

namespace {

std::unique_ptr<StreamCompressor> make_compressor(const LayerOptions& options, ByteSink out) {
  switch (options.compression) {
    case Compression::Gzip:
      return std::make_unique<ParallelGzip>(options.level, options.threads, std::move(out));
    case Compression::Zstd:
      return std::make_unique<ZstdCompressor>(options.level, options.threads, std::move(out));
    case Compression::None:
      return std::make_unique<PassThrough>(std::move(out));
  }
  throw Error("unknown compression");
}

// Reports tar bytes every few megabytes, not on every write.
class ProgressReporter {
 public:
  ProgressReporter(const ProgressCallback& callback, std::uint64_t total)
      : callback_(callback), total_(total) {}
  void add(std::size_t bytes) {
    done_ += bytes;
    if (callback_ && done_ - reported_ >= kInterval) report(false);
  }
  void finish() {
    if (callback_) report(true);
  }

 private:
  static constexpr std::uint64_t kInterval = 16 << 20;
  void report(bool finished) {
    reported_ = done_;
    ProgressEvent event;
    event.step = "write layer";
    event.done = done_;
    event.total = finished ? done_ : std::max(total_, done_);
    event.finished = finished;
    callback_(event);
  }
  const ProgressCallback& callback_;
  std::uint64_t total_;
  std::uint64_t done_ = 0;
  std::uint64_t reported_ = 0;
};

}  // namespace

Layer write_layer(BlobStore& store, std::vector<LayerEntry> entries, const LayerOptions& options,
                  const ProgressCallback& progress) {
  prepare_entries(entries);
  // One pass: tar -> diffID hash -> compressor -> blob writer (which hashes the digest).
  // The tar is produced on this thread and hashed and compressed on the pipe's thread, so
  // reading files overlaps hashing; the compressors add their own workers.
  BlobWriter blob = store.writer();
  auto compressor = make_compressor(options, [&blob](const void* data, std::size_t size) {
    blob.write(data, size);
  });
  Sha256 diff_id;
  ProgressReporter reporter(progress, estimated_tar_size(entries));
  {
    BytePipe pipe([&](const void* data, std::size_t size) {
      diff_id.update(data, size);
      compressor->write(data, size);
    });
    write_tar_stream(entries, options.epoch, [&](const void* data, std::size_t size) {
      pipe.write(data, size);
      reporter.add(size);
    });
    pipe.finish();
  }
  compressor->finish();
  compressor.reset();  // joins the workers before the blob is named
  Layer layer;
  layer.uncompressed_size = diff_id.size();
  layer.diff_id = diff_id.finish();
  StoredBlob stored = blob.commit();
  layer.descriptor.media_type = layer_media_type(options.compression);
  layer.descriptor.digest = stored.digest;
  layer.descriptor.size = stored.size;
  reporter.finish();
  return layer;
}

Digest write_tar(std::vector<LayerEntry> entries, std::int64_t epoch,
                 const std::function<void(const void*, std::size_t)>& out) {
  prepare_entries(entries);
  Sha256 diff_id;
  write_tar_stream(entries, epoch, [&](const void* data, std::size_t size) {
    diff_id.update(data, size);
    out(data, size);
  });
  return diff_id.finish();
}

}  // namespace nanoforge::oci
