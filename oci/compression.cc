#include "oci/compression.h"

#include "base/error.h"
#include "oci/descriptor.h"

namespace nanoforge::oci {

Compression parse_compression(const std::string& name) {
  if (name == "gzip") return Compression::Gzip;
  if (name == "zstd") return Compression::Zstd;
  if (name == "none") return Compression::None;
  throw Error("unknown compression '" + name + "': expected gzip, zstd or none");
}

std::string compression_name(Compression compression) {
  switch (compression) {
    case Compression::Gzip: return "gzip";
    case Compression::Zstd: return "zstd";
    case Compression::None: return "none";
  }
  return "none";
}

std::string layer_media_type(Compression compression) {
  switch (compression) {
    case Compression::Gzip: return media_type::kLayerGzip;
    case Compression::Zstd: return media_type::kLayerZstd;
    case Compression::None: return media_type::kLayerTar;
  }
  return media_type::kLayerTar;
}

}  // namespace nanoforge::oci
