// gzip compression on every core that yields one ordinary gzip member, the way pigz does it:
// the input is cut into fixed 128 KiB blocks, each raw-deflated by a worker with the 32 KiB
// before it as dictionary and ended with a sync flush (the last with a final block), and
// the CRC-32s are combined for the trailer. The blocks depend only on the input, so the
// output is the same for any number of threads.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "oci/stream_compressor.h"

namespace nanoforge::oci {

class ParallelGzip : public StreamCompressor {
 public:
  static constexpr std::size_t kBlockSize = 128 * 1024;
  static constexpr std::size_t kDictionarySize = 32 * 1024;

  // `level` 0..9 (-1: 6); `threads` 0: every core. Throws nanoforge::Error for a bad level.
  ParallelGzip(int level, unsigned threads, ByteSink out);
  ~ParallelGzip() override;
  ParallelGzip(const ParallelGzip&) = delete;
  ParallelGzip& operator=(const ParallelGzip&) = delete;

  void write(const void* data, std::size_t size) override;
  void finish() override;

 private:
  struct Block;
  void submit(bool last);
  void emit_front();
  void work();

  int level_;
  ByteSink out_;
  // Blocks live in a ring; a slot is reused only when its block is written out and the
  // block after it (which reads it as dictionary) is compressed.
  std::vector<std::unique_ptr<Block>> ring_;
  std::size_t max_in_flight_;
  std::uint64_t next_block_ = 0;     // the block being filled
  std::uint64_t next_to_emit_ = 0;   // the oldest block not yet written out
  std::uint64_t next_to_take_ = 0;   // the oldest block no worker has taken
  bool header_written_ = false;
  bool finished_ = false;
  std::uint32_t crc_ = 0;
  std::uint64_t input_size_ = 0;

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable block_done_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace nanoforge::oci
