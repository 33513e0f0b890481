#include "oci/zstd_compressor.h"

#include <zstd.h>

#include <algorithm>
#include <string>
#include <thread>

#include "base/error.h"

namespace nanoforge::oci {

namespace {
void check(std::size_t status, const std::string& what) {
  if (ZSTD_isError(status)) throw Error("zstd could not " + what + ": " + ZSTD_getErrorName(status));
}
}  // namespace

void ZstdCompressor::ContextFree::operator()(ZSTD_CCtx_s* context) const { ZSTD_freeCCtx(context); }

ZstdCompressor::ZstdCompressor(int level, unsigned threads, ByteSink out)
    : context_(ZSTD_createCCtx()), out_(std::move(out)), buffer_(ZSTD_CStreamOutSize()) {
  if (!context_) throw Error("zstd could not allocate a compression context");
  int chosen = level < 0 ? 3 : level;
  if (chosen < 1 || chosen > ZSTD_maxCLevel())
    throw Error("zstd level " + std::to_string(level) + " is out of range (1-" +
                std::to_string(ZSTD_maxCLevel()) + ")");
  unsigned workers = threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  check(ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_compressionLevel, chosen), "set the level");
  check(ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_checksumFlag, 1), "enable checksums");
  // Never 0 workers: single-threaded zstd cuts blocks differently, which would change the bytes.
  check(ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_nbWorkers, static_cast<int>(workers)),
        "start " + std::to_string(workers) + " worker threads (is libzstd built with threads?)");
}

ZstdCompressor::~ZstdCompressor() = default;

void ZstdCompressor::write(const void* data, std::size_t size) {
  ZSTD_inBuffer input{data, size, 0};
  while (input.pos < input.size) {
    ZSTD_outBuffer output{buffer_.data(), buffer_.size(), 0};
    check(ZSTD_compressStream2(context_.get(), &output, &input, ZSTD_e_continue), "compress");
    if (output.pos > 0) out_(buffer_.data(), output.pos);
  }
}

void ZstdCompressor::finish() {
  if (finished_) return;
  ZSTD_inBuffer input{nullptr, 0, 0};
  std::size_t remaining;
  do {
    ZSTD_outBuffer output{buffer_.data(), buffer_.size(), 0};
    remaining = ZSTD_compressStream2(context_.get(), &output, &input, ZSTD_e_end);
    check(remaining, "finish the frame");
    if (output.pos > 0) out_(buffer_.data(), output.pos);
  } while (remaining != 0);
  finished_ = true;
}

}  // namespace nanoforge::oci
