// OCI image-spec v1.1 image configuration and manifest, built from layers.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/blob_store.h"
#include "oci/descriptor.h"
#include "oci/layer.h"

namespace nanoforge::oci {

// Docker's Healthcheck extension to the config (durations in nanoseconds, as Docker stores them).
struct Healthcheck {
  std::vector<std::string> test;  // ["CMD", "/opt/venv/bin/python", ...] or ["CMD-SHELL", "..."]
  std::int64_t interval_ns = 0;
  std::int64_t timeout_ns = 0;
  std::int64_t start_period_ns = 0;
  int retries = 0;
};

struct HistoryEntry {
  std::string created_by;
  std::string comment;
  bool empty_layer = false;
};

// What a container started from the image gets.
struct ImageConfig {
  std::string architecture = "amd64";
  std::string os = "linux";
  std::string user;
  std::vector<std::string> env;         // "NAME=value"
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::vector<std::string> exposed_ports;  // "18790/tcp"
  std::vector<std::string> volumes;        // "/data"
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  std::optional<Healthcheck> healthcheck;
  std::int64_t created_epoch = 0;          // SOURCE_DATE_EPOCH
  std::vector<HistoryEntry> history;       // one per layer unless empty_layer
};

// The config JSON for `config` and `layers` (rootfs.diff_ids in layer order).
nlohmann::json image_config_json(const ImageConfig& config, const std::vector<Layer>& layers);
// Reads back what image_config_json wrote (and Docker's equivalent); unknown keys ignored.
ImageConfig image_config_from_json(const nlohmann::json& json, const std::string& context);

// The manifest JSON pointing at `config_descriptor` and `layers`.
nlohmann::json manifest_json(const Descriptor& config_descriptor, const std::vector<Layer>& layers,
                             const std::map<std::string, std::string>& annotations = {});

// A stored image: its manifest descriptor plus the parsed pieces.
struct Image {
  Descriptor manifest;              // points at the manifest blob
  nlohmann::json manifest_json;
  Descriptor config;
  nlohmann::json config_json;
  std::vector<Descriptor> layers;
  std::vector<Digest> diff_ids;
};

// Stores config and manifest blobs for the layers (already in `store`) and returns the image.
Image store_image(BlobStore& store, const ImageConfig& config, const std::vector<Layer>& layers,
                  const std::map<std::string, std::string>& manifest_annotations = {});

// Loads and checks an image from the store by its manifest descriptor; throws when a blob
// is missing or its JSON is malformed.
Image load_image(const BlobStore& store, const Descriptor& manifest);

// RFC 3339 UTC form of an epoch ("1970-01-01T00:00:00Z").
std::string rfc3339_utc(std::int64_t epoch);

}  // namespace nanoforge::oci
