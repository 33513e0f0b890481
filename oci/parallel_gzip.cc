#include "oci/parallel_gzip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>

#include "base/error.h"

namespace nanoforge::oci {

struct ParallelGzip::Block {
  std::vector<unsigned char> input = std::vector<unsigned char>(kBlockSize);
  std::size_t fill = 0;
  bool last = false;
  std::vector<unsigned char> output;
  std::size_t output_size = 0;
  std::uint32_t crc = 0;
  bool done = false;
  std::exception_ptr error;
};

namespace {

unsigned default_threads(unsigned threads) {
  if (threads != 0) return threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Deflate state owned by one worker and reset for every block.
class RawDeflater {
 public:
  explicit RawDeflater(int level) {
    // Raw deflate (negative window bits): the gzip header and trailer are written once, by us.
    if (deflateInit2(&stream_, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw Error("zlib could not start a deflate stream at level " + std::to_string(level));
  }
  ~RawDeflater() { deflateEnd(&stream_); }
  RawDeflater(const RawDeflater&) = delete;
  RawDeflater& operator=(const RawDeflater&) = delete;

  // Compresses `input` with `dictionary` (may be empty) into `output`; returns the size.
  std::size_t deflate_block(const unsigned char* input, std::size_t size,
                            const unsigned char* dictionary, std::size_t dictionary_size, bool last,
                            std::vector<unsigned char>& output) {
    if (deflateReset(&stream_) != Z_OK) throw Error("zlib could not reset a deflate stream");
    if (dictionary_size > 0 &&
        deflateSetDictionary(&stream_, dictionary, static_cast<uInt>(dictionary_size)) != Z_OK)
      throw Error("zlib refused a deflate dictionary");
    std::size_t bound = deflateBound(&stream_, size) + 64;  // room for the flush marker
    if (output.size() < bound) output.resize(bound);
    stream_.next_in = const_cast<unsigned char*>(input);
    stream_.avail_in = static_cast<uInt>(size);
    std::size_t produced = 0;
    int flush = last ? Z_FINISH : Z_SYNC_FLUSH;
    while (true) {
      if (output.size() - produced < 1024) output.resize(output.size() * 2);
      stream_.next_out = output.data() + produced;
      stream_.avail_out = static_cast<uInt>(output.size() - produced);
      int status = deflate(&stream_, flush);
      produced = output.size() - stream_.avail_out;
      if (status == Z_STREAM_ERROR) throw Error("zlib failed while compressing a block");
      bool complete = last ? status == Z_STREAM_END : (stream_.avail_in == 0 && stream_.avail_out != 0);
      if (complete) return produced;
    }
  }

 private:
  z_stream stream_{};
};

void put_le32(unsigned char* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<unsigned char>(value >> (8 * i));
}

}  // namespace

ParallelGzip::ParallelGzip(int level, unsigned threads, ByteSink out)
    : level_(level < 0 ? 6 : level), out_(std::move(out)) {
  if (level_ > 9) throw Error("gzip level " + std::to_string(level) + " is out of range (0-9)");
  unsigned workers = default_threads(threads);
  max_in_flight_ = 4 * static_cast<std::size_t>(workers);
  ring_.resize(max_in_flight_ + 2);
  for (auto& slot : ring_) slot = std::make_unique<Block>();
  workers_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

ParallelGzip::~ParallelGzip() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ParallelGzip::write(const void* data, std::size_t size) {
  auto* bytes = static_cast<const unsigned char*>(data);
  while (size > 0) {
    Block* block = ring_[next_block_ % ring_.size()].get();
    if (block->fill == kBlockSize) {
      // More input follows, so this full block is not the last one.
      submit(false);
      continue;
    }
    std::size_t take = std::min(size, kBlockSize - block->fill);
    std::memcpy(block->input.data() + block->fill, bytes, take);
    block->fill += take;
    bytes += take;
    size -= take;
  }
}

void ParallelGzip::finish() {
  if (finished_) return;
  submit(true);
  while (next_to_emit_ < next_block_) emit_front();
  unsigned char trailer[8];
  put_le32(trailer, crc_);
  put_le32(trailer + 4, static_cast<std::uint32_t>(input_size_));  // ISIZE is modulo 2^32
  out_(trailer, sizeof trailer);
  finished_ = true;
}

void ParallelGzip::submit(bool last) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ring_[next_block_ % ring_.size()]->last = last;
    ++next_block_;
  }
  work_ready_.notify_one();
  if (last) return;
  // Write out what is ready, and wait when too much is pending, so the next slot is free.
  while (next_block_ - next_to_emit_ > max_in_flight_) emit_front();
  while (next_to_emit_ < next_block_) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!ring_[next_to_emit_ % ring_.size()]->done) break;
    }
    emit_front();
  }
  Block* next = ring_[next_block_ % ring_.size()].get();
  next->fill = 0;
  next->last = false;
  next->done = false;
  next->error = nullptr;
}

void ParallelGzip::emit_front() {
  Block* block = ring_[next_to_emit_ % ring_.size()].get();
  {
    std::unique_lock<std::mutex> lock(mutex_);
    block_done_.wait(lock, [&] { return block->done; });
  }
  if (block->error) std::rethrow_exception(block->error);
  if (!header_written_) {
    // No name, mtime 0, a fixed OS byte (3, Unix): nothing about the machine or the time.
    unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    header[8] = level_ == 9 ? 2 : level_ == 1 ? 4 : 0;  // XFL as gzip sets it
    out_(header, sizeof header);
    header_written_ = true;
  }
  out_(block->output.data(), block->output_size);
  crc_ = static_cast<std::uint32_t>(crc32_combine(crc_, block->crc, static_cast<z_off_t>(block->fill)));
  input_size_ += block->fill;
  ++next_to_emit_;
}

void ParallelGzip::work() {
  std::unique_ptr<RawDeflater> deflater;
  std::exception_ptr start_error;
  try {
    deflater = std::make_unique<RawDeflater>(level_);
  } catch (...) {
    start_error = std::current_exception();
  }
  while (true) {
    std::uint64_t index;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || next_to_take_ < next_block_; });
      if (stopping_) return;
      index = next_to_take_++;
    }
    Block* block = ring_[index % ring_.size()].get();
    const Block* previous = index > 0 ? ring_[(index - 1) % ring_.size()].get() : nullptr;
    try {
      if (start_error) std::rethrow_exception(start_error);
      const unsigned char* dictionary = nullptr;
      std::size_t dictionary_size = 0;
      if (previous) {
        dictionary_size = std::min(kDictionarySize, previous->fill);
        dictionary = previous->input.data() + previous->fill - dictionary_size;
      }
      block->output_size = deflater->deflate_block(block->input.data(), block->fill, dictionary,
                                                   dictionary_size, block->last, block->output);
      block->crc = static_cast<std::uint32_t>(
          crc32(0, block->input.data(), static_cast<uInt>(block->fill)));
    } catch (...) {
      block->error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      block->done = true;
    }
    block_done_.notify_all();
  }
}

}  // namespace nanoforge::oci
