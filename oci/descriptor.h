// The OCI content descriptor and the media types nanoforge reads and writes.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/digest.h"

namespace nanoforge::oci {

namespace media_type {
inline constexpr const char* kImageIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* kImageManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kImageConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr const char* kLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr const char* kLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr const char* kLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr const char* kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr const char* kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
}  // namespace media_type

struct Platform {
  std::string architecture;
  std::string os;
  std::string variant;
  friend bool operator==(const Platform&, const Platform&) = default;
};

// Points at a blob: what it is, its digest, its size, and optional annotations.
struct Descriptor {
  std::string media_type;
  Digest digest;
  std::uint64_t size = 0;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
  friend bool operator==(const Descriptor&, const Descriptor&) = default;
};

nlohmann::json to_json(const Descriptor& descriptor);
// Throws nanoforge::Error naming `context` and the missing or malformed field.
Descriptor descriptor_from_json(const nlohmann::json& json, const std::string& context);

}  // namespace nanoforge::oci
