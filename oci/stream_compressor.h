// A compressor that takes a byte stream in pieces and passes compressed bytes, in order, to a
// sink. Implementations use every core they are given yet produce the same bytes for any
// thread count, so layer digests do not depend on the machine that built them.
#pragma once
#include <cstddef>

#include "oci/tar_stream.h"

namespace nanoforge::oci {

class StreamCompressor {
 public:
  virtual ~StreamCompressor() = default;
  // Compresses `size` bytes; compressed output may reach the sink now or later.
  virtual void write(const void* data, std::size_t size) = 0;
  // Ends the stream: everything left reaches the sink. Call once, after the last write().
  virtual void finish() = 0;
};

// Passes bytes through unchanged (an uncompressed tar layer).
class PassThrough : public StreamCompressor {
 public:
  explicit PassThrough(ByteSink out) : out_(std::move(out)) {}
  void write(const void* data, std::size_t size) override { out_(data, size); }
  void finish() override {}

 private:
  ByteSink out_;
};

}  // namespace nanoforge::oci
