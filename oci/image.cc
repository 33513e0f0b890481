#include "oci/image.h"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "base/error.h"

namespace nanoforge::oci {

using nlohmann::json;

namespace {

// Docker and the OCI spec both write sets (ports, volumes) as objects of empty objects.
json set_of(const std::vector<std::string>& items) {
  json object = json::object();
  for (const auto& item : items) object[item] = json::object();
  return object;
}

json string_array(const std::vector<std::string>& items) { return json(items); }

// Field readers for image_config_from_json: each names `context` and the field on mismatch.
std::string read_string(const json& object, const char* key, const std::string& context) {
  if (!object.contains(key) || object[key].is_null()) return {};
  if (!object[key].is_string()) throw Error(context + ": '" + key + "' is not a string");
  return object[key].get<std::string>();
}

std::vector<std::string> read_strings(const json& object, const char* key, const std::string& context) {
  std::vector<std::string> items;
  if (!object.contains(key) || object[key].is_null()) return items;
  if (!object[key].is_array()) throw Error(context + ": '" + key + "' is not an array of strings");
  for (const auto& item : object[key]) {
    if (!item.is_string()) throw Error(context + ": '" + key + "' holds a non-string element");
    items.push_back(item.get<std::string>());
  }
  return items;
}

std::vector<std::string> read_set(const json& object, const char* key, const std::string& context) {
  std::vector<std::string> items;
  if (!object.contains(key) || object[key].is_null()) return items;
  if (!object[key].is_object()) throw Error(context + ": '" + key + "' is not an object");
  for (const auto& [name, value] : object[key].items()) items.push_back(name);
  return items;
}

std::int64_t read_integer(const json& object, const char* key, const std::string& context) {
  if (!object.contains(key) || object[key].is_null()) return 0;
  if (!object[key].is_number_integer()) throw Error(context + ": '" + key + "' is not an integer");
  return object[key].get<std::int64_t>();
}

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm)" to an epoch; fractions are dropped.
std::int64_t parse_rfc3339(const std::string& text, const std::string& context) {
  std::tm time{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &time.tm_year, &time.tm_mon,
                  &time.tm_mday, &time.tm_hour, &time.tm_min, &time.tm_sec, &consumed) != 6)
    throw Error(context + ": 'created' is not an RFC 3339 time: '" + text + "'");
  time.tm_year -= 1900;
  time.tm_mon -= 1;
  std::int64_t epoch = ::timegm(&time);
  std::size_t position = static_cast<std::size_t>(consumed);
  if (position < text.size() && text[position] == '.') {
    ++position;
    while (position < text.size() && std::isdigit(static_cast<unsigned char>(text[position]))) ++position;
  }
  std::string zone = text.substr(position);
  if (zone == "Z" || zone == "z") return epoch;
  int hours = 0, minutes = 0;
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
      std::sscanf(zone.c_str() + 1, "%2d:%2d", &hours, &minutes) == 2) {
    std::int64_t offset = hours * 3600 + minutes * 60;
    return zone[0] == '+' ? epoch - offset : epoch + offset;
  }
  throw Error(context + ": 'created' has no valid time zone: '" + text + "'");
}

// The history the config records: the caller's, or one "nanoforge" entry per layer.
json history_json(const ImageConfig& config, std::size_t layer_count) {
  json history = json::array();
  std::string created = rfc3339_utc(config.created_epoch);
  if (config.history.empty()) {
    for (std::size_t index = 0; index < layer_count; ++index)
      history.push_back({{"created", created}, {"created_by", "nanoforge"}});
    return history;
  }
  std::size_t non_empty = 0;
  for (const auto& entry : config.history) {
    json item = {{"created", created}};
    if (!entry.created_by.empty()) item["created_by"] = entry.created_by;
    if (!entry.comment.empty()) item["comment"] = entry.comment;
    if (entry.empty_layer) item["empty_layer"] = true;
    else ++non_empty;
    history.push_back(std::move(item));
  }
  // Docker matches history to layers by position; a mismatch makes `docker history` lie.
  if (non_empty != layer_count)
    throw Error("image history has " + std::to_string(non_empty) +
                " entries that are not empty_layer, but the image has " +
                std::to_string(layer_count) + " layers");
  return history;
}

}  // namespace

std::string rfc3339_utc(std::int64_t epoch) {
  std::time_t seconds = static_cast<std::time_t>(epoch);
  std::tm time{};
  if (!::gmtime_r(&seconds, &time)) throw Error("time " + std::to_string(epoch) + " is out of range");
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &time);
  return buffer;
}

json image_config_json(const ImageConfig& config, const std::vector<Layer>& layers) {
  // Docker omits empty fields; doing the same keeps the JSON (and its digest) minimal.
  json container = json::object();
  if (!config.user.empty()) container["User"] = config.user;
  if (!config.env.empty()) container["Env"] = string_array(config.env);
  if (!config.entrypoint.empty()) container["Entrypoint"] = string_array(config.entrypoint);
  if (!config.cmd.empty()) container["Cmd"] = string_array(config.cmd);
  if (!config.working_dir.empty()) container["WorkingDir"] = config.working_dir;
  if (!config.exposed_ports.empty()) container["ExposedPorts"] = set_of(config.exposed_ports);
  if (!config.volumes.empty()) container["Volumes"] = set_of(config.volumes);
  if (!config.labels.empty()) container["Labels"] = config.labels;
  if (!config.stop_signal.empty()) container["StopSignal"] = config.stop_signal;
  if (config.healthcheck) {
    const auto& check = *config.healthcheck;
    json health = {{"Test", string_array(check.test)}};
    if (check.interval_ns) health["Interval"] = check.interval_ns;
    if (check.timeout_ns) health["Timeout"] = check.timeout_ns;
    if (check.start_period_ns) health["StartPeriod"] = check.start_period_ns;
    if (check.retries) health["Retries"] = check.retries;
    container["Healthcheck"] = std::move(health);
  }
  json diff_ids = json::array();
  for (const auto& layer : layers) diff_ids.push_back(layer.diff_id.str());
  return {{"created", rfc3339_utc(config.created_epoch)},
          {"architecture", config.architecture},
          {"os", config.os},
          {"config", std::move(container)},
          {"rootfs", {{"type", "layers"}, {"diff_ids", std::move(diff_ids)}}},
          {"history", history_json(config, layers.size())}};
}

ImageConfig image_config_from_json(const json& document, const std::string& context) {
  if (!document.is_object()) throw Error(context + ": image config is not a JSON object");
  ImageConfig config;
  config.architecture = read_string(document, "architecture", context);
  config.os = read_string(document, "os", context);
  if (config.architecture.empty() || config.os.empty())
    throw Error(context + ": image config needs 'architecture' and 'os'");
  auto created = read_string(document, "created", context);
  config.created_epoch = created.empty() ? 0 : parse_rfc3339(created, context);
  if (document.contains("config") && !document["config"].is_null()) {
    const json& container = document["config"];
    std::string where = context + ": config";
    if (!container.is_object()) throw Error(where + " is not an object");
    config.user = read_string(container, "User", where);
    config.env = read_strings(container, "Env", where);
    config.entrypoint = read_strings(container, "Entrypoint", where);
    config.cmd = read_strings(container, "Cmd", where);
    config.working_dir = read_string(container, "WorkingDir", where);
    config.exposed_ports = read_set(container, "ExposedPorts", where);
    config.volumes = read_set(container, "Volumes", where);
    config.stop_signal = read_string(container, "StopSignal", where);
    if (container.contains("Labels") && !container["Labels"].is_null()) {
      if (!container["Labels"].is_object()) throw Error(where + ": 'Labels' is not an object");
      for (const auto& [key, value] : container["Labels"].items()) {
        if (!value.is_string()) throw Error(where + ": label '" + key + "' is not a string");
        config.labels[key] = value.get<std::string>();
      }
    }
    if (container.contains("Healthcheck") && !container["Healthcheck"].is_null()) {
      const json& health = container["Healthcheck"];
      std::string health_where = where + ".Healthcheck";
      if (!health.is_object()) throw Error(health_where + " is not an object");
      Healthcheck check;
      check.test = read_strings(health, "Test", health_where);
      check.interval_ns = read_integer(health, "Interval", health_where);
      check.timeout_ns = read_integer(health, "Timeout", health_where);
      check.start_period_ns = read_integer(health, "StartPeriod", health_where);
      check.retries = static_cast<int>(read_integer(health, "Retries", health_where));
      config.healthcheck = check;
    }
  }
  if (document.contains("history") && document["history"].is_array()) {
    for (const auto& item : document["history"]) {
      if (!item.is_object()) throw Error(context + ": a 'history' entry is not an object");
      HistoryEntry entry;
      entry.created_by = read_string(item, "created_by", context + ": history");
      entry.comment = read_string(item, "comment", context + ": history");
      entry.empty_layer = item.value("empty_layer", false);
      config.history.push_back(std::move(entry));
    }
  }
  return config;
}

json manifest_json(const Descriptor& config_descriptor, const std::vector<Layer>& layers,
                   const std::map<std::string, std::string>& annotations) {
  json layer_descriptors = json::array();
  for (const auto& layer : layers) layer_descriptors.push_back(to_json(layer.descriptor));
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", media_type::kImageManifest},
                   {"config", to_json(config_descriptor)},
                   {"layers", std::move(layer_descriptors)}};
  if (!annotations.empty()) manifest["annotations"] = annotations;
  return manifest;
}

Image store_image(BlobStore& store, const ImageConfig& config, const std::vector<Layer>& layers,
                  const std::map<std::string, std::string>& manifest_annotations) {
  for (const auto& layer : layers)
    if (!store.contains(layer.descriptor.digest))
      throw Error("layer " + layer.descriptor.digest.str() + " is not in the blob store " +
                  store.root().string());
  Image image;
  image.config_json = image_config_json(config, layers);
  // dump() without indentation: the bytes, and so the digests, depend only on the content
  // (nlohmann::json keeps object keys sorted).
  auto stored_config = store.put(image.config_json.dump());
  image.config = {media_type::kImageConfig, stored_config.digest, stored_config.size, {}, {}};
  image.manifest_json = manifest_json(image.config, layers, manifest_annotations);
  auto stored_manifest = store.put(image.manifest_json.dump());
  image.manifest = {media_type::kImageManifest, stored_manifest.digest, stored_manifest.size, {}, {}};
  for (const auto& layer : layers) {
    image.layers.push_back(layer.descriptor);
    image.diff_ids.push_back(layer.diff_id);
  }
  return image;
}

namespace {
json parse_blob_json(const BlobStore& store, const Descriptor& descriptor, const std::string& what) {
  auto bytes = store.read(descriptor.digest);
  if (bytes.size() != descriptor.size)
    throw Error(what + " " + descriptor.digest.str() + " has " + std::to_string(bytes.size()) +
                " bytes, but its descriptor says " + std::to_string(descriptor.size));
  try {
    return json::parse(bytes);
  } catch (const json::parse_error& error) {
    throw Error(what + " " + store.path_of(descriptor.digest).string() + " is not valid JSON: " +
                error.what());
  }
}
}  // namespace

Image load_image(const BlobStore& store, const Descriptor& manifest) {
  std::string context = "manifest " + store.path_of(manifest.digest).string();
  if (manifest.media_type != media_type::kImageManifest && manifest.media_type != media_type::kDockerManifest)
    throw Error(context + ": media type '" + manifest.media_type + "' is not an image manifest");
  Image image;
  image.manifest = manifest;
  image.manifest_json = parse_blob_json(store, manifest, "manifest");
  const json& document = image.manifest_json;
  if (!document.is_object() || document.value("schemaVersion", 0) != 2)
    throw Error(context + ": expected an object with schemaVersion 2");
  if (!document.contains("config")) throw Error(context + ": has no 'config'");
  image.config = descriptor_from_json(document["config"], context + ": config");
  if (!document.contains("layers") || !document["layers"].is_array())
    throw Error(context + ": 'layers' is missing or not an array");
  for (const auto& layer : document["layers"]) {
    auto descriptor = descriptor_from_json(layer, context + ": layer");
    if (!store.contains(descriptor.digest))
      throw Error(context + ": layer blob " + descriptor.digest.str() + " is missing: " +
                  store.path_of(descriptor.digest).string());
    if (store.size_of(descriptor.digest) != descriptor.size)
      throw Error(context + ": layer blob " + store.path_of(descriptor.digest).string() + " has " +
                  std::to_string(store.size_of(descriptor.digest)) + " bytes, expected " +
                  std::to_string(descriptor.size));
    image.layers.push_back(std::move(descriptor));
  }
  image.config_json = parse_blob_json(store, image.config, "config");
  std::string config_context = "config " + store.path_of(image.config.digest).string();
  const json& rootfs = image.config_json.is_object() ? image.config_json.value("rootfs", json()) : json();
  if (!rootfs.is_object() || !rootfs.contains("diff_ids") || !rootfs["diff_ids"].is_array())
    throw Error(config_context + ": 'rootfs.diff_ids' is missing or not an array");
  for (const auto& diff_id : rootfs["diff_ids"]) {
    if (!diff_id.is_string()) throw Error(config_context + ": a diff_id is not a string");
    image.diff_ids.push_back(Digest::parse(diff_id.get<std::string>()));
  }
  if (image.diff_ids.size() != image.layers.size())
    throw Error(config_context + ": has " + std::to_string(image.diff_ids.size()) +
                " diff_ids but the manifest has " + std::to_string(image.layers.size()) + " layers");
  return image;
}

}  // namespace nanoforge::oci
