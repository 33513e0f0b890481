// Packs a directory into one layer, as `nanoforge build` does, and prints what it took:
//   layer_bench DIR gzip|zstd|none [--level N] [--threads N] [--blobs DIR]
// Output, one line: "<seconds> <tar bytes> <blob bytes> <digest> <diffID>".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/error.h"
#include "oci/layer_writer.h"

using namespace nanoforge;
using namespace nanoforge::oci;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIR gzip|zstd|none [--level N] [--threads N] [--blobs DIR]\n", argv[0]);
    return 2;
  }
  try {
    std::filesystem::path directory = argv[1];
    LayerOptions options;
    options.compression = parse_compression(argv[2]);
    std::filesystem::path blobs = std::filesystem::temp_directory_path() / "nanoforge-layer-bench";
    for (int i = 3; i + 1 < argc; i += 2) {
      std::string flag = argv[i];
      if (flag == "--level") options.level = std::atoi(argv[i + 1]);
      else if (flag == "--threads") options.threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
      else if (flag == "--blobs") blobs = argv[i + 1];
      else throw Error("unknown option " + flag);
    }
    BlobStore store(blobs);
    auto start = std::chrono::steady_clock::now();
    auto layer = write_layer(store, scan_directory(directory, ""), options);
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    std::printf("%.3f %llu %llu %s %s\n", elapsed.count(),
                static_cast<unsigned long long>(layer.uncompressed_size),
                static_cast<unsigned long long>(layer.descriptor.size), layer.descriptor.digest.str().c_str(),
                layer.diff_id.str().c_str());
    return 0;
  } catch (const Error& error) {
    std::fprintf(stderr, "layer_bench: %s\n", error.what());
    return 1;
  }
}
