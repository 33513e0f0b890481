#include "oci/registry/push.h"

#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/file_lock.h"
#include "oci/registry/client.h"
#include "oci/registry/parallel.h"

namespace nanoforge::oci {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// What one image needs in the registry: blobs (configs, layers) first, then manifests,
// children before the index that lists them.
struct PushPlan {
  std::vector<Descriptor> blobs;
  std::vector<Descriptor> manifests;  // the last one is the root
};

bool is_index(const std::string& media_type) {
  return media_type == media_type::kImageIndex || media_type == media_type::kDockerManifestList;
}

void plan_manifest(const Layout& layout, const Descriptor& descriptor, PushPlan& plan, std::set<Digest>& seen) {
  auto bytes = layout.blobs().read(descriptor.digest);  // checks the digest
  json document;
  try {
    document = json::parse(bytes);
  } catch (const json::exception&) {
    throw Error("manifest " + descriptor.digest.str() + " in " + layout.directory().string() + " is not JSON");
  }
  std::string context = "manifest " + descriptor.digest.str() + " in " + layout.directory().string();
  if (is_index(descriptor.media_type)) {
    if (!document.contains("manifests") || !document["manifests"].is_array())
      throw Error(context + ": an index without 'manifests'");
    for (const auto& child : document["manifests"])
      plan_manifest(layout, descriptor_from_json(child, context), plan, seen);
  } else {
    std::vector<Descriptor> blobs;
    if (!document.contains("config")) throw Error(context + ": no 'config'");
    blobs.push_back(descriptor_from_json(document["config"], context + " config"));
    if (document.contains("layers") && document["layers"].is_array())
      for (const auto& layer : document["layers"]) blobs.push_back(descriptor_from_json(layer, context + " layer"));
    for (auto& blob : blobs) {
      if (!layout.blobs().contains(blob.digest))
        throw Error(context + " needs blob " + blob.digest.str() + ", which is missing from the layout");
      if (layout.blobs().size_of(blob.digest) != blob.size)
        throw Error("blob " + layout.blobs().path_of(blob.digest).string() + " has " +
                    std::to_string(layout.blobs().size_of(blob.digest)) + " bytes, its descriptor says " +
                    std::to_string(blob.size));
      if (seen.insert(blob.digest).second) plan.blobs.push_back(blob);
    }
  }
  if (seen.insert(descriptor.digest).second) plan.manifests.push_back(descriptor);
}

// Which repositories of which registry hold which blob, remembered between runs so a push
// to a new repository mounts instead of uploading (as containers/image's blob-info cache).
class BlobLocations {
 public:
  explicit BlobLocations(fs::path directory) : directory_(std::move(directory)) {
    if (directory_.empty()) return;
    std::error_code error;
    if (!fs::exists(file(), error)) return;
    try {
      data_ = json::parse(read_file(file()));
    } catch (const std::exception&) {
      data_ = json::object();  // a cache: a damaged one is rebuilt, not fatal
    }
    if (!data_.is_object()) data_ = json::object();
  }

  std::vector<std::string> repositories(const std::string& registry, const Digest& digest) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> found;
    auto key = digest.str();
    if (data_.contains(registry) && data_[registry].contains(key) && data_[registry][key].is_array())
      for (const auto& repository : data_[registry][key])
        if (repository.is_string()) found.push_back(repository.get<std::string>());
    return found;
  }

  void add(const std::string& registry, const Digest& digest, const std::string& repository) {
    std::lock_guard lock(mutex_);
    added_.emplace_back(registry, digest.str(), repository);
    auto& list = data_[registry][digest.str()];
    if (!list.is_array()) list = json::array();
    for (const auto& existing : list)
      if (existing == repository) return;
    list.push_back(repository);
  }

  // Merges what this run learnt into the file (other runs may have written it meanwhile).
  void save() {
    if (directory_.empty() || added_.empty()) return;
    std::error_code error;
    fs::create_directories(directory_, error);
    FileLock lock(directory_ / ".blob-locations.lock", FileLock::Mode::Exclusive);
    json merged = json::object();
    try {
      if (fs::exists(file(), error)) merged = json::parse(read_file(file()));
    } catch (const std::exception&) {
    }
    if (!merged.is_object()) merged = json::object();
    for (const auto& [registry, digest, repository] : added_) {
      auto& list = merged[registry][digest];
      if (!list.is_array()) list = json::array();
      if (std::find(list.begin(), list.end(), repository) == list.end()) list.push_back(repository);
      // Keep the newest few: any one of them is enough to mount from.
      while (list.size() > 8) list.erase(list.begin());
    }
    write_file_atomically(file(), merged.dump() + "\n", 0600);
  }

 private:
  fs::path file() const { return directory_ / "blob-locations.json"; }
  fs::path directory_;
  mutable std::mutex mutex_;
  json data_ = json::object();
  std::vector<std::tuple<std::string, std::string, std::string>> added_;
};

// Upload locations are kept per registry, repository and blob under the state directory.
UploadResume resume_for(const fs::path& state_directory, const std::string& registry, const std::string& repository,
                        const Digest& digest) {
  if (state_directory.empty()) return {};
  auto file = state_directory / "uploads" / sha256_of(registry + "/" + repository + "@" + digest.str()).hex;
  UploadResume resume;
  resume.load = [file]() -> std::optional<std::string> {
    std::error_code error;
    if (!fs::exists(file, error)) return std::nullopt;
    auto text = read_file(file);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) return std::nullopt;
    return text;
  };
  resume.save = [file](const std::string& location) {
    std::error_code error;
    fs::create_directories(file.parent_path(), error);
    // The location carries the registry's upload state token: owner-readable only.
    write_file_atomically(file, location + "\n", 0600);
  };
  resume.clear = [file] {
    std::error_code error;
    fs::remove(file, error);
  };
  return resume;
}

class Pusher {
 public:
  Pusher(const Layout& layout, const PushOptions& options, const ProgressCallback& progress)
      : layout_(layout), options_(options), progress_(progress), locations_(options.state_directory) {}

  PushResult push(const ImageReference& local, const RemoteReference& remote) {
    std::vector<std::string> tags;
    if (!remote.tag.empty()) tags.push_back(remote.tag);
    for (const auto& tag : options_.also_tags) {
      if (!is_valid_tag(tag))
        throw Error("invalid tag '" + tag + "': it must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
      if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
    }
    auto root = layout_.resolve(local);
    if (remote.digest && *remote.digest != root.digest)
      throw Error("cannot push " + local.str() + " to " + remote.str() + ": the image's digest is " +
                  root.digest.str());
    PushPlan plan;
    std::set<Digest> seen;
    plan_manifest(layout_, root, plan, seen);

    auto& client = client_for(remote.registry);
    auto sent_before = client.blob_bytes_sent();
    auto retries_before = client.retries();
    PushResult result;
    result.digest = root.digest;
    for (const auto& blob : plan.blobs) result.bytes_total += blob.size;

    // When the registry already has the manifest, it has every blob it names.
    bool complete = client.manifest_digest(remote.repository, root.digest.str()).has_value();
    if (complete) {
      result.blobs_skipped = plan.blobs.size();
    } else {
      std::mutex counts;
      parallel_for(plan.blobs.size(), options_.jobs, [&](std::size_t i) {
        auto outcome = push_blob(client, remote, plan.blobs[i]);
        std::lock_guard lock(counts);
        if (outcome == Outcome::Skipped) ++result.blobs_skipped;
        else if (outcome == Outcome::Mounted) ++result.blobs_mounted;
        else ++result.blobs_uploaded;
      });
      // Children of an index go by digest, before the index that names them.
      for (std::size_t i = 0; i + 1 < plan.manifests.size(); ++i) {
        const auto& manifest = plan.manifests[i];
        client.put_manifest(remote.repository, manifest.digest.str(), manifest.media_type,
                            layout_.blobs().read(manifest.digest));
      }
    }
    auto root_bytes = layout_.blobs().read(root.digest);
    std::vector<std::string> targets = tags.empty() ? std::vector<std::string>{root.digest.str()} : tags;
    parallel_for(targets.size(), options_.jobs, [&](std::size_t i) {
      client.put_manifest(remote.repository, targets[i], root.media_type, root_bytes);
      report("push manifest " + targets[i], 1, 1, "manifests", true);
    });
    for (const auto& target : targets)
      result.references.push_back(remote.registry + "/" + remote.repository +
                                  (target.rfind("sha256:", 0) == 0 ? "@" : ":") + target);
    for (const auto& blob : plan.blobs) locations_.add(remote.registry, blob.digest, remote.repository);
    result.bytes_sent = client.blob_bytes_sent() - sent_before;
    result.retries = client.retries() - retries_before;
    return result;
  }

  void save() { locations_.save(); }

 private:
  enum class Outcome { Skipped, Mounted, Uploaded };

  RegistryClient& client_for(const std::string& registry) {
    auto& client = clients_[registry];
    if (!client) {
      client = std::make_unique<RegistryClient>(registry, options_.transport, options_.credentials);
      client->ping();
    }
    return *client;
  }

  Outcome push_blob(RegistryClient& client, const RemoteReference& remote, const Descriptor& blob) {
    std::string step = "push " + remote.repository + " " + blob.digest.short_str();
    {
      std::lock_guard lock(present_mutex_);
      if (present_.count({remote.registry, remote.repository, blob.digest})) return Outcome::Skipped;
    }
    auto mark_present = [&] {
      std::lock_guard lock(present_mutex_);
      present_.insert({remote.registry, remote.repository, blob.digest});
    };
    // A known copy elsewhere on the registry: one mount request instead of HEAD + upload.
    auto sources = locations_.repositories(remote.registry, blob.digest);
    for (const auto& source : options_.mount_from) sources.push_back(source);
    for (const auto& source : sources) {
      if (source == remote.repository) continue;
      if (client.mount_blob(remote.repository, blob.digest, source)) {
        mark_present();
        report(step + " (mounted from " + source + ")", blob.size, blob.size, "bytes", true);
        return Outcome::Mounted;
      }
    }
    if (client.blob_exists(remote.repository, blob.digest)) {
      mark_present();
      report(step + " (already there)", blob.size, blob.size, "bytes", true);
      return Outcome::Skipped;
    }
    report(step, 0, blob.size, "bytes", false);
    client.upload_blob(remote.repository, blob.digest, blob.size, layout_.blobs().path_of(blob.digest),
                       resume_for(options_.state_directory, remote.registry, remote.repository, blob.digest));
    mark_present();
    report(step, blob.size, blob.size, "bytes", true);
    return Outcome::Uploaded;
  }

  void report(const std::string& step, std::uint64_t done, std::uint64_t total, const std::string& unit, bool finished) {
    if (!progress_) return;
    std::lock_guard lock(progress_mutex_);
    progress_(ProgressEvent{step, done, total, unit, finished});
  }

  const Layout& layout_;
  const PushOptions& options_;
  const ProgressCallback& progress_;
  BlobLocations locations_;
  std::map<std::string, std::unique_ptr<RegistryClient>> clients_;
  std::mutex present_mutex_;
  std::set<std::tuple<std::string, std::string, Digest>> present_;
  std::mutex progress_mutex_;
};

}  // namespace

std::vector<PushResult> push_images(const Layout& layout,
                                    const std::vector<std::pair<ImageReference, RemoteReference>>& pushes,
                                    const PushOptions& options, const ProgressCallback& progress) {
  // Blobs must not be collected by a concurrent gc while they are being read.
  auto gc_guard = layout.lock_against_gc();
  Pusher pusher(layout, options, progress);
  std::vector<PushResult> results;
  for (const auto& [local, remote] : pushes) results.push_back(pusher.push(local, remote));
  pusher.save();
  return results;
}

PushResult push_image(const Layout& layout, const ImageReference& local, const RemoteReference& remote,
                      const PushOptions& options, const ProgressCallback& progress) {
  return push_images(layout, {{local, remote}}, options, progress).front();
}

}  // namespace nanoforge::oci
