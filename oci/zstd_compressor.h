// zstd compression through libzstd's own worker threads. With at least one worker, zstd cuts
// the input into jobs independently of the worker count, so the frame is the same on any
// machine; content size is left unknown (the stream is compressed as it is produced).
#pragma once
#include <memory>
#include <vector>

#include "oci/stream_compressor.h"

struct ZSTD_CCtx_s;

namespace nanoforge::oci {

class ZstdCompressor : public StreamCompressor {
 public:
  // `level` 1..19 (-1: 3); `threads` 0: every core. Throws nanoforge::Error for a bad level.
  ZstdCompressor(int level, unsigned threads, ByteSink out);
  ~ZstdCompressor() override;
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  void write(const void* data, std::size_t size) override;
  void finish() override;

 private:
  struct ContextFree {
    void operator()(ZSTD_CCtx_s* context) const;
  };
  std::unique_ptr<ZSTD_CCtx_s, ContextFree> context_;
  ByteSink out_;
  std::vector<char> buffer_;
  bool finished_ = false;
};

}  // namespace nanoforge::oci
