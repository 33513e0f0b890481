#include "oci/registry/pull.h"

#include <mutex>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "oci/registry/client.h"
#include "oci/registry/parallel.h"

namespace nanoforge::oci {

using nlohmann::json;

namespace {

bool is_index(const std::string& media_type) {
  return media_type == media_type::kImageIndex || media_type == media_type::kDockerManifestList;
}

json parse(const FetchedManifest& manifest, const std::string& context) {
  try {
    return json::parse(manifest.bytes);
  } catch (const json::exception&) {
    throw Error(context + ": the manifest is not JSON");
  }
}

}  // namespace

PullResult pull_image(Layout& layout, const RemoteReference& remote, const ImageReference& local,
                      const PullOptions& options, const ProgressCallback& progress) {
  RegistryClient client(remote.registry, options.transport, options.credentials);
  client.ping();
  auto fetched = client.get_manifest(remote.repository, remote.manifest_reference());
  std::string context = remote.str();
  auto document = parse(fetched, context);

  if (is_index(fetched.media_type) || (document.contains("manifests") && !document.contains("layers"))) {
    std::optional<Descriptor> chosen;
    std::string offered;
    for (const auto& child : document.value("manifests", json::array())) {
      auto descriptor = descriptor_from_json(child, context + " index");
      if (descriptor.platform) offered += " " + descriptor.platform->os + "/" + descriptor.platform->architecture;
      if (descriptor.platform && descriptor.platform->os == options.platform.os &&
          descriptor.platform->architecture == options.platform.architecture &&
          (options.platform.variant.empty() || descriptor.platform->variant == options.platform.variant)) {
        chosen = descriptor;
        break;
      }
    }
    if (!chosen)
      throw Error(context + " is an image index with no " + options.platform.os + "/" +
                  options.platform.architecture + " manifest (it has:" + (offered.empty() ? " none" : offered) + ")");
    fetched = client.get_manifest(remote.repository, chosen->digest.str());
    document = parse(fetched, context);
  }

  std::vector<Descriptor> blobs;
  if (!document.contains("config")) throw Error(context + ": the manifest has no 'config'");
  blobs.push_back(descriptor_from_json(document["config"], context + " config"));
  for (const auto& layer : document.value("layers", json::array()))
    blobs.push_back(descriptor_from_json(layer, context + " layer"));
  for (const auto& blob : blobs)
    if (blob.digest.algorithm != "sha256")
      throw Error(context + ": blob " + blob.digest.str() + " uses a digest nanoforge cannot store");

  PullResult result;
  // Blobs written here stay out of gc's reach until the tag names them.
  auto gc_guard = layout.lock_against_gc();
  std::mutex counts;
  std::mutex progress_mutex;
  parallel_for(blobs.size(), options.jobs, [&](std::size_t i) {
    const auto& blob = blobs[i];
    std::string step = "pull " + remote.repository + " " + blob.digest.short_str();
    if (layout.blobs().contains(blob.digest) && layout.blobs().size_of(blob.digest) == blob.size) {
      std::lock_guard lock(counts);
      ++result.blobs_present;
      return;
    }
    std::uint64_t done = 0;
    client.fetch_blob(remote.repository, blob, layout.blobs(), [&](std::uint64_t bytes) {
      done += bytes;
      if (progress) {
        std::lock_guard lock(progress_mutex);
        progress(ProgressEvent{step, done, blob.size, "bytes", false});
      }
    });
    if (progress) {
      std::lock_guard lock(progress_mutex);
      progress(ProgressEvent{step, blob.size, blob.size, "bytes", true});
    }
    std::lock_guard lock(counts);
    ++result.blobs_fetched;
  });
  auto stored = layout.blobs().put(fetched.bytes);
  result.manifest.media_type = fetched.media_type.empty() ? std::string(media_type::kImageManifest) : fetched.media_type;
  result.manifest.digest = stored.digest;
  result.manifest.size = stored.size;
  layout.tag(local, result.manifest);
  result.bytes_received = client.blob_bytes_received();
  return result;
}

}  // namespace nanoforge::oci
