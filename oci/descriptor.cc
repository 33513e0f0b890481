#include "oci/descriptor.h"

#include "base/error.h"

namespace nanoforge::oci {

nlohmann::json to_json(const Descriptor& descriptor) {
  nlohmann::json json = {{"mediaType", descriptor.media_type},
                         {"digest", descriptor.digest.str()},
                         {"size", descriptor.size}};
  if (!descriptor.annotations.empty()) json["annotations"] = descriptor.annotations;
  if (descriptor.platform) {
    json["platform"] = {{"architecture", descriptor.platform->architecture},
                        {"os", descriptor.platform->os}};
    if (!descriptor.platform->variant.empty())
      json["platform"]["variant"] = descriptor.platform->variant;
  }
  return json;
}

Descriptor descriptor_from_json(const nlohmann::json& json, const std::string& context) {
  if (!json.is_object()) throw Error(context + ": descriptor is not a JSON object");
  auto field = [&](const char* name) -> const nlohmann::json& {
    if (!json.contains(name)) throw Error(context + ": descriptor has no '" + name + "'");
    return json.at(name);
  };
  Descriptor descriptor;
  if (!field("mediaType").is_string()) throw Error(context + ": 'mediaType' is not a string");
  descriptor.media_type = json.at("mediaType").get<std::string>();
  if (!field("digest").is_string()) throw Error(context + ": 'digest' is not a string");
  descriptor.digest = Digest::parse(json.at("digest").get<std::string>());
  if (!field("size").is_number_unsigned()) throw Error(context + ": 'size' is not a non-negative integer");
  descriptor.size = json.at("size").get<std::uint64_t>();
  if (json.contains("annotations")) {
    if (!json["annotations"].is_object()) throw Error(context + ": 'annotations' is not an object");
    for (auto& [key, value] : json["annotations"].items()) {
      if (!value.is_string()) throw Error(context + ": annotation '" + key + "' is not a string");
      descriptor.annotations[key] = value.get<std::string>();
    }
  }
  if (json.contains("platform") && json["platform"].is_object()) {
    Platform platform;
    platform.architecture = json["platform"].value("architecture", "");
    platform.os = json["platform"].value("os", "");
    platform.variant = json["platform"].value("variant", "");
    descriptor.platform = platform;
  }
  return descriptor;
}

}  // namespace nanoforge::oci
