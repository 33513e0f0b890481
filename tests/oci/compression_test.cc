// Parallel gzip and zstd: standard streams that other tools read, and bytes that do not
// depend on how many threads made them.
#include <zlib.h>
#include <zstd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "oci/byte_pipe.h"
#include "base/error.h"
#include "oci/layer_writer.h"
#include "oci/parallel_gzip.h"
#include "oci/zstd_compressor.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::oci;
using nanoforge::testing::run;
using nanoforge::testing::shell_quote;
using nanoforge::testing::TempDir;
using nanoforge::testing::write_text;

namespace {

// Compressible but not trivial: words drawn by a fixed pseudo-random sequence, with some
// incompressible stretches, like a tree of source files and shared objects.
std::string sample(std::size_t size, std::uint32_t seed = 1) {
  static const char* words[] = {"import ", "def ", "return ", "self", ".", "(", ")", ":\n    ",
                                "class ", "None", "True", " = ", "os.path", "sys", "\n", "#"};
  std::string out;
  out.reserve(size);
  std::uint32_t state = seed;
  while (out.size() < size) {
    state = state * 1664525u + 1013904223u;
    if ((state >> 24) < 8) {
      for (int i = 0; i < 64 && out.size() < size; ++i) {
        state = state * 1664525u + 1013904223u;
        out.push_back(static_cast<char>(state >> 24));
      }
    } else {
      out += words[(state >> 16) % 16];
    }
  }
  out.resize(size);
  return out;
}

template <typename Compressor>
std::string compress(const std::string& input, int level, unsigned threads, std::size_t piece = 65537) {
  std::string out;
  Compressor compressor(level, threads, [&](const void* data, std::size_t size) {
    out.append(static_cast<const char*>(data), size);
  });
  for (std::size_t at = 0; at < input.size(); at += piece)
    compressor.write(input.data() + at, std::min(piece, input.size() - at));
  compressor.finish();
  return out;
}

std::string gunzip(const std::string& compressed) {
  z_stream stream{};
  REQUIRE(inflateInit2(&stream, 16 + 15) == Z_OK);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[65536];
  int status;
  do {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    status = inflate(&stream, Z_NO_FLUSH);
    REQUIRE((status == Z_OK || status == Z_STREAM_END));
    out.append(buffer, sizeof buffer - stream.avail_out);
  } while (status != Z_STREAM_END);
  // One member: nothing follows its trailer.
  REQUIRE(stream.avail_in == 0);
  inflateEnd(&stream);
  return out;
}

std::string unzstd(const std::string& compressed) {
  ZSTD_DStream* stream = ZSTD_createDStream();
  ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
  std::string out;
  std::string buffer(ZSTD_DStreamOutSize(), '\0');
  std::size_t status = 1;
  while (input.pos < input.size) {
    ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
    status = ZSTD_decompressStream(stream, &output, &input);
    REQUIRE_FALSE(ZSTD_isError(status));
    out.append(buffer.data(), output.pos);
  }
  REQUIRE(status == 0);  // the frame ended
  ZSTD_freeDStream(stream);
  return out;
}

}  // namespace

TEST_CASE("gzip header carries no name, no time and a fixed OS byte", "[compression]") {
  auto compressed = compress<ParallelGzip>("hello\n", -1, 2);
  REQUIRE(compressed.size() > 18);
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(compressed[i]); };
  REQUIRE(byte(0) == 0x1f);
  REQUIRE(byte(1) == 0x8b);
  REQUIRE(byte(2) == 8);  // deflate
  REQUIRE(byte(3) == 0);  // no FNAME, FCOMMENT, FEXTRA, FHCRC
  for (int i = 4; i < 8; ++i) REQUIRE(byte(i) == 0);  // mtime 0
  REQUIRE(byte(8) == 0);  // level 6
  REQUIRE(byte(9) == 3);  // Unix
  REQUIRE(static_cast<unsigned char>(compress<ParallelGzip>("x", 9, 1)[8]) == 2);
  REQUIRE(static_cast<unsigned char>(compress<ParallelGzip>("x", 1, 1)[8]) == 4);
}

TEST_CASE("parallel gzip is one member that zlib decompresses to the input", "[compression]") {
  // Empty, one partial block, exactly two blocks, and many blocks with a partial tail.
  for (std::size_t size : {std::size_t{0}, std::size_t{1000}, 2 * ParallelGzip::kBlockSize,
                           std::size_t{3'000'017}}) {
    INFO("input size " << size);
    auto input = sample(size);
    auto compressed = compress<ParallelGzip>(input, -1, 3);
    REQUIRE(gunzip(compressed) == input);
    if (size > 100'000) REQUIRE(compressed.size() < input.size() * 3 / 4);
  }
}

TEST_CASE("parallel gzip bytes do not depend on threads or write sizes", "[compression]") {
  auto input = sample(2'500'000, 7);
  auto one = compress<ParallelGzip>(input, 6, 1);
  REQUIRE(compress<ParallelGzip>(input, 6, 4) == one);
  REQUIRE(compress<ParallelGzip>(input, 6, 2, 512) == one);
  REQUIRE(compress<ParallelGzip>(input, 6, 3, 1 << 20) == one);
  REQUIRE(compress<ParallelGzip>(input, 1, 4) != one);
  REQUIRE(gunzip(compress<ParallelGzip>(input, 9, 4)) == input);
}

TEST_CASE("zstd bytes do not depend on the worker count and decompress to the input", "[compression]") {
  // Several zstd jobs' worth at level 3 (jobs are a few MiB), so workers really split it.
  auto input = sample(24'000'000, 3);
  auto one = compress<ZstdCompressor>(input, -1, 1, 1 << 20);
  REQUIRE(compress<ZstdCompressor>(input, -1, 4, 1 << 20) == one);
  REQUIRE(compress<ZstdCompressor>(input, -1, 2, 4096) == one);
  REQUIRE(unzstd(one) == input);
  REQUIRE(one.size() < input.size() * 3 / 4);
  REQUIRE(unzstd(compress<ZstdCompressor>("", -1, 2)).empty());
}

TEST_CASE("bad compression levels are refused", "[compression][errors]") {
  auto sink = [](const void*, std::size_t) {};
  REQUIRE_THROWS_WITH(ParallelGzip(10, 1, sink), Catch::Contains("gzip level 10"));
  REQUIRE_THROWS_WITH(ZstdCompressor(99, 1, sink), Catch::Contains("zstd level 99"));
}

TEST_CASE("gzip -t and zstd -t accept the layers, which hold the tar", "[compression][tools]") {
  TempDir tree, out;
  for (int i = 0; i < 40; ++i) write_text(tree / ("module" + std::to_string(i) + ".py"), sample(40'000, i));
  auto entries = scan_directory(tree.path(), "usr/lib/app");
  BlobStore store(out / "blobs");
  std::string tar_path = (out / "layer.tar").string();
  {
    std::string tar;
    write_tar(entries, 0, [&](const void* data, std::size_t size) { tar.append(static_cast<const char*>(data), size); });
    write_text(tar_path, tar);
  }
  for (auto [compression, tool] : {std::pair{Compression::Gzip, std::string("gzip")},
                                   std::pair{Compression::Zstd, std::string("zstd")}}) {
    INFO(tool);
    LayerOptions options;
    options.compression = compression;
    options.threads = 2;
    auto layer = write_layer(store, entries, options);
    auto blob = shell_quote(store.path_of(layer.descriptor.digest).string());
    auto test = run(tool + " -t " + blob);
    INFO(test.output);
    REQUIRE(test.exit_code == 0);
    auto same = run(tool + " -dc < " + blob + " | cmp - " + shell_quote(tar_path));
    INFO(same.output);
    REQUIRE(same.exit_code == 0);
    auto listing = run(tool + " -dc < " + blob + " | tar -tvf - | wc -l");
    REQUIRE(std::stoi(listing.output) == 43);  // usr, usr/lib, usr/lib/app and 40 files
    // Another thread count gives the same blob.
    options.threads = 3;
    REQUIRE(write_layer(store, entries, options).descriptor.digest == layer.descriptor.digest);
  }
}

TEST_CASE("BytePipe hands bytes over in order and passes the consumer's error back", "[compression]") {
  auto input = sample(5'000'000, 11);
  std::string received;
  {
    BytePipe pipe([&](const void* data, std::size_t size) { received.append(static_cast<const char*>(data), size); },
                  4096, 2);
    for (std::size_t at = 0; at < input.size(); at += 1000) pipe.write(input.data() + at, std::min<std::size_t>(1000, input.size() - at));
    pipe.finish();
  }
  REQUIRE(received == input);

  BytePipe failing([](const void*, std::size_t) { throw Error("disk full: /layout/blobs"); }, 4096, 2);
  auto feed_everything = [&] {
    for (std::size_t at = 0; at < input.size(); at += 1000) failing.write(input.data() + at, 1000);
    failing.finish();
  };
  REQUIRE_THROWS_WITH(feed_everything(), Catch::Contains("disk full: /layout/blobs"));
}
