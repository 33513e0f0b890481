// A layer as the image config and manifest see it, and the options it is written with: small
// value types, apart from the writer (oci/layer_writer.h) that makes layers. The idea of a
// layer follows go-containerregistry's Layer.
#pragma once
#include <cstdint>

#include "base/digest.h"
#include "oci/compression.h"
#include "oci/descriptor.h"

namespace nanoforge::oci {

struct LayerOptions {
  Compression compression = Compression::Gzip;
  int level = -1;              // -1: the compressor's default (gzip 6, zstd 3)
  std::int64_t epoch = 0;      // mtime of every entry (SOURCE_DATE_EPOCH)
  // Compression threads; 0: every core. The blob's bytes are the same for any value.
  unsigned threads = 0;
};

// A layer as stored: the descriptor of the compressed blob plus what the config needs.
struct Layer {
  Descriptor descriptor;            // media type, digest (of the compressed blob), size
  Digest diff_id;                   // sha256 of the uncompressed tar
  std::uint64_t uncompressed_size = 0;
};

}  // namespace nanoforge::oci
