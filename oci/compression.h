// How a layer blob is compressed, and the names and media types that go with it.
#pragma once
#include <string>

namespace nanoforge::oci {

enum class Compression { None, Gzip, Zstd };

// "gzip", "zstd", "none"; throws nanoforge::Error naming the text for anything else.
Compression parse_compression(const std::string& name);
// The inverse of parse_compression: "gzip", "zstd" or "none". Throws nothing.
std::string compression_name(Compression compression);
// The OCI image-spec v1.1 layer media type for a compression (application/vnd.oci.image.layer.v1.tar[+gzip|+zstd]).
std::string layer_media_type(Compression compression);

}  // namespace nanoforge::oci
