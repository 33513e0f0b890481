#include "oci/byte_pipe.h"

#include <algorithm>
#include <cstring>

namespace nanoforge::oci {

BytePipe::BytePipe(ByteSink consumer, std::size_t chunk_size, std::size_t capacity)
    : consumer_(std::move(consumer)), chunk_size_(chunk_size), capacity_(std::max<std::size_t>(capacity, 1)) {
  current_.reserve(chunk_size_);
  thread_ = std::thread([this] { consume(); });
}

BytePipe::~BytePipe() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    abandon_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BytePipe::write(const void* data, std::size_t size) {
  auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    std::size_t take = std::min(size, chunk_size_ - current_.size());
    current_.insert(current_.end(), bytes, bytes + take);
    bytes += take;
    size -= take;
    if (current_.size() == chunk_size_) push_current();
  }
}

void BytePipe::finish() {
  if (!current_.empty()) push_current();
  std::unique_lock<std::mutex> lock(mutex_);
  closing_ = true;
  changed_.notify_all();
  changed_.wait(lock, [&] { return failure_ || (queued_.empty() && !consumer_busy_); });
  if (failure_) std::rethrow_exception(failure_);
}

void BytePipe::push_current() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || queued_.size() < capacity_; });
  if (failure_) std::rethrow_exception(failure_);
  queued_.push_back(std::move(current_));
  if (!spare_.empty()) {
    current_ = std::move(spare_.back());
    spare_.pop_back();
  } else {
    current_ = std::vector<char>();
    current_.reserve(chunk_size_);
  }
  current_.clear();
  changed_.notify_all();
}

void BytePipe::consume() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return abandon_ || closing_ || !queued_.empty(); });
    if (abandon_ || queued_.empty()) return;  // closing with nothing left, or dropped
    std::vector<char> chunk = std::move(queued_.front());
    queued_.pop_front();
    consumer_busy_ = true;
    changed_.notify_all();  // room for the producer
    lock.unlock();
    std::exception_ptr error;
    try {
      consumer_(chunk.data(), chunk.size());
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    consumer_busy_ = false;
    spare_.push_back(std::move(chunk));
    if (error) {
      failure_ = error;
      changed_.notify_all();
      return;
    }
    changed_.notify_all();
  }
}

}  // namespace nanoforge::oci
