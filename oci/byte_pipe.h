// Hands a byte stream from one thread to another in large chunks, so that producing a
// layer's tar (reading files, writing headers) and consuming it (hashing, compressing,
// storing) run at the same time instead of taking turns on one core.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "oci/tar_stream.h"

namespace nanoforge::oci {

class BytePipe {
 public:
  // Starts the consumer thread, which calls `consumer` with the bytes, in order, in chunks of
  // up to `chunk_size`; at most `capacity` chunks wait between the two threads.
  explicit BytePipe(ByteSink consumer, std::size_t chunk_size = 1 << 20, std::size_t capacity = 8);
  // Without finish(), whatever is still queued is dropped (an error stopped the producer).
  ~BytePipe();
  BytePipe(const BytePipe&) = delete;
  BytePipe& operator=(const BytePipe&) = delete;

  // Producer side. Rethrows the consumer's exception once it has failed.
  void write(const void* data, std::size_t size);
  // Waits until the consumer has taken every byte; rethrows its exception.
  void finish();

 private:
  void push_current();
  void consume();

  ByteSink consumer_;
  std::size_t chunk_size_;
  std::size_t capacity_;
  std::vector<char> current_;
  std::deque<std::vector<char>> queued_;
  std::vector<std::vector<char>> spare_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool closing_ = false;  // no more chunks will come
  bool abandon_ = false;  // drop what is queued
  bool consumer_busy_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace nanoforge::oci
