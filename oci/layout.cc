#include "oci/layout.h"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "base/atomic_file.h"
#include "base/error.h"

namespace nanoforge::oci {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kIndexLock = ".nanoforge-index.lock";
constexpr const char* kBlobsLock = ".nanoforge-blobs.lock";
// Blob temporaries older than this belong to runs that were killed, not to running ones.
constexpr std::time_t kStaleTemporarySeconds = 24 * 3600;

bool is_index_type(const std::string& type) {
  return type == media_type::kImageIndex || type == media_type::kDockerManifestList;
}
bool is_manifest_type(const std::string& type) {
  return type == media_type::kImageManifest || type == media_type::kDockerManifest;
}

json parse_json_file(const fs::path& path) {
  auto text = read_file(path);
  try {
    return json::parse(text);
  } catch (const json::parse_error& error) {
    throw Error(path.string() + " is not valid JSON: " + error.what());
  }
}

json empty_index() {
  return {{"schemaVersion", 2}, {"mediaType", media_type::kImageIndex}, {"manifests", json::array()}};
}

void check_oci_layout_file(const fs::path& path) {
  auto document = parse_json_file(path);
  if (!document.is_object() || !document.contains("imageLayoutVersion") ||
      !document["imageLayoutVersion"].is_string())
    throw Error(path.string() + ": expected {\"imageLayoutVersion\":\"1.0.0\"}");
  auto version = document["imageLayoutVersion"].get<std::string>();
  if (version.rfind("1.", 0) != 0)
    throw Error(path.string() + ": unsupported imageLayoutVersion '" + version + "' (expected 1.0.0)");
}

// Checks index.json's shape; every entry must be a well-formed descriptor.
void check_index(const json& index, const fs::path& path) {
  if (!index.is_object()) throw Error(path.string() + ": expected a JSON object (an OCI image index)");
  if (index.value("schemaVersion", 0) != 2) throw Error(path.string() + ": 'schemaVersion' is not 2");
  if (!index.contains("manifests") || !index["manifests"].is_array())
    throw Error(path.string() + ": 'manifests' is missing or not an array");
  for (std::size_t position = 0; position < index["manifests"].size(); ++position)
    descriptor_from_json(index["manifests"][position],
                         path.string() + ": manifests[" + std::to_string(position) + "]");
}

std::string ref_name_of(const json& entry) {
  if (!entry.contains("annotations") || !entry["annotations"].is_object()) return {};
  return entry["annotations"].value(kRefNameAnnotation, "");
}

// The layout directory, created and initialised (oci-layout first, then index.json) when
// missing. Runs before the BlobStore member is built, so a file or foreign directory at
// `directory` is refused before anything is created in it.
fs::path prepare_layout_directory(fs::path directory) {
  std::error_code error;
  auto status = fs::status(directory, error);
  if (fs::exists(status) && !fs::is_directory(status))
    throw Error("image layout " + directory.string() + " is not a directory");
  fs::create_directories(directory, error);
  if (error) throw Error("cannot create image layout " + directory.string() + ": " + error.message());

  auto layout_file = directory / "oci-layout";
  auto index_file = directory / "index.json";
  // An existing layout is read without the lock (its files are only ever replaced by
  // rename), so opening one never waits for a long gc.
  if (fs::exists(layout_file) && fs::exists(index_file)) {
    check_oci_layout_file(layout_file);
    check_index(parse_json_file(index_file), index_file);
    return directory;
  }
  FileLock lock(directory / kIndexLock, FileLock::Mode::Exclusive);
  if (fs::exists(layout_file)) {
    check_oci_layout_file(layout_file);
  } else {
    for (const auto& entry : fs::directory_iterator(directory)) {
      auto name = entry.path().filename().string();
      if (name != kIndexLock && name != kBlobsLock)
        throw Error(directory.string() + " is not an OCI image layout (it has no oci-layout file " +
                    "but holds " + name + "); choose an empty or new directory");
    }
    write_file_atomically(layout_file, R"({"imageLayoutVersion":"1.0.0"})");
  }
  if (fs::exists(index_file)) check_index(parse_json_file(index_file), index_file);
  else write_file_atomically(index_file, empty_index().dump());
  return directory;
}

}  // namespace

Layout::Layout(fs::path directory)
    : directory_(prepare_layout_directory(std::move(directory))), blobs_(directory_ / "blobs") {}

FileLock Layout::lock_against_gc() const { return FileLock(directory_ / kBlobsLock, FileLock::Mode::Shared); }

json Layout::read_index() const {
  auto path = index_path();
  auto index = parse_json_file(path);
  check_index(index, path);
  return index;
}

void Layout::write_index(const json& index) const {
  // Last step of every update: the blobs it names were checked before we got here.
  write_file_atomically(index_path(), index.dump());
}

void Layout::check_complete(const Descriptor& descriptor, const std::string& context) const {
  auto require = [&](const Descriptor& blob, const std::string& what) {
    if (!blobs_.contains(blob.digest))
      throw Error(context + ": " + what + " blob " + blob.digest.str() + " is missing: " +
                  blobs_.path_of(blob.digest).string());
    auto size = blobs_.size_of(blob.digest);
    if (size != blob.size)
      throw Error(context + ": " + what + " blob " + blobs_.path_of(blob.digest).string() + " has " +
                  std::to_string(size) + " bytes, its descriptor says " + std::to_string(blob.size));
  };
  require(descriptor, "manifest");
  json document;
  try {
    document = json::parse(blobs_.read(descriptor.digest));
  } catch (const json::parse_error& error) {
    throw Error(context + ": " + blobs_.path_of(descriptor.digest).string() + " is not valid JSON: " +
                error.what());
  }
  std::string where = context + ": " + descriptor.digest.str();
  if (is_index_type(descriptor.media_type)) {
    if (!document.contains("manifests") || !document["manifests"].is_array())
      throw Error(where + ": image index has no 'manifests' array");
    for (const auto& child : document["manifests"]) check_complete(descriptor_from_json(child, where), where);
  } else if (is_manifest_type(descriptor.media_type)) {
    if (!document.contains("config")) throw Error(where + ": manifest has no 'config'");
    require(descriptor_from_json(document["config"], where + ": config"), "config");
    if (!document.contains("layers") || !document["layers"].is_array())
      throw Error(where + ": manifest has no 'layers' array");
    for (const auto& layer : document["layers"]) require(descriptor_from_json(layer, where + ": layer"), "layer");
  } else {
    throw Error(context + ": media type '" + descriptor.media_type +
                "' is neither an image manifest nor an image index");
  }
}

void Layout::tag(const ImageReference& reference, const Descriptor& manifest) {
  tag_all({{reference, manifest}});
}

void Layout::tag_all(const std::vector<std::pair<ImageReference, Descriptor>>& tags) {
  FileLock lock(directory_ / kIndexLock, FileLock::Mode::Exclusive);
  auto index = read_index();
  auto& manifests = index["manifests"];
  for (const auto& [reference, descriptor] : tags) {
    check_complete(descriptor, "cannot tag " + reference.str() + " in " + directory_.string());
    Descriptor entry = descriptor;
    entry.annotations[kRefNameAnnotation] = reference.str();
    auto existing = std::find_if(manifests.begin(), manifests.end(),
                                 [&](const json& item) { return ref_name_of(item) == reference.str(); });
    // Retagging keeps the entry's place so index.json order stays stable.
    if (existing != manifests.end()) *existing = to_json(entry);
    else manifests.push_back(to_json(entry));
  }
  write_index(index);
}

void Layout::untag(const ImageReference& reference) {
  FileLock lock(directory_ / kIndexLock, FileLock::Mode::Exclusive);
  auto index = read_index();
  auto& manifests = index["manifests"];
  auto before = manifests.size();
  json kept = json::array();
  for (auto& item : manifests)
    if (ref_name_of(item) != reference.str()) kept.push_back(std::move(item));
  if (kept.size() == before)
    throw Error("image " + reference.str() + " not found in " + directory_.string());
  manifests = std::move(kept);
  write_index(index);
}

std::optional<Descriptor> Layout::find(const ImageReference& reference) const {
  // index.json is replaced by rename, so an unlocked read sees one whole version.
  auto index = read_index();
  for (const auto& item : index["manifests"])
    if (ref_name_of(item) == reference.str()) return descriptor_from_json(item, index_path().string());
  return std::nullopt;
}

Descriptor Layout::resolve(const ImageReference& reference) const {
  if (auto found = find(reference)) return *found;
  std::string names;
  for (const auto& [name, descriptor] : list()) names += (names.empty() ? "" : ", ") + name.str();
  throw Error("image " + reference.str() + " not found in " + directory_.string() +
              (names.empty() ? " (it holds no images)" : " (has: " + names + ")"));
}

Image Layout::load(const ImageReference& reference) const {
  auto descriptor = resolve(reference);
  if (is_index_type(descriptor.media_type)) {
    auto index = json::parse(blobs_.read(descriptor.digest));
    std::vector<Descriptor> children;
    for (const auto& child : index.value("manifests", json::array()))
      children.push_back(descriptor_from_json(child, blobs_.path_of(descriptor.digest).string()));
    auto chosen = std::find_if(children.begin(), children.end(), [](const Descriptor& child) {
      return child.platform && child.platform->os == "linux" && child.platform->architecture == "amd64";
    });
    if (chosen == children.end() && children.size() == 1) chosen = children.begin();
    if (chosen == children.end())
      throw Error("image " + reference.str() + " in " + directory_.string() +
                  " is an image index with no linux/amd64 manifest");
    descriptor = *chosen;
  }
  return load_image(blobs_, descriptor);
}

std::vector<std::pair<ImageReference, Descriptor>> Layout::list() const {
  std::vector<std::pair<ImageReference, Descriptor>> images;
  auto index = read_index();
  for (const auto& item : index["manifests"]) {
    auto name = ref_name_of(item);
    if (name.find(':') == std::string::npos) continue;  // a bare tag from another tool
    try {
      images.emplace_back(ImageReference::parse(name), descriptor_from_json(item, index_path().string()));
    } catch (const Error&) {
      // An annotation that is no NAME:TAG of ours: another tool's entry, left alone.
    }
  }
  return images;
}

std::uint64_t Layout::gc() {
  FileLock writers(directory_ / kBlobsLock, FileLock::Mode::Exclusive);
  FileLock index_lock(directory_ / kIndexLock, FileLock::Mode::Exclusive);
  auto index = read_index();

  // Everything reachable from index.json. A missing manifest makes its references unknown,
  // so gc refuses rather than guess.
  std::set<Digest> reachable;
  std::vector<Descriptor> pending;
  for (const auto& item : index["manifests"]) pending.push_back(descriptor_from_json(item, index_path().string()));
  while (!pending.empty()) {
    auto descriptor = pending.back();
    pending.pop_back();
    if (!reachable.insert(descriptor.digest).second) continue;
    bool is_index = is_index_type(descriptor.media_type);
    if (!is_index && !is_manifest_type(descriptor.media_type)) continue;  // a config or layer
    std::string context = "gc of " + directory_.string() + ": " + descriptor.digest.str();
    json document;
    try {
      document = json::parse(blobs_.read(descriptor.digest));
    } catch (const json::parse_error& error) {
      throw Error(context + " is not valid JSON: " + error.what());
    }
    if (is_index) {
      for (const auto& child : document.value("manifests", json::array()))
        pending.push_back(descriptor_from_json(child, context));
    } else {
      if (document.contains("config")) pending.push_back(descriptor_from_json(document["config"], context));
      for (const auto& layer : document.value("layers", json::array()))
        pending.push_back(descriptor_from_json(layer, context));
    }
  }

  std::uint64_t freed = 0;
  auto now = std::time(nullptr);
  for (const auto& algorithm_directory : fs::directory_iterator(blobs_.root())) {
    if (!algorithm_directory.is_directory()) continue;
    auto algorithm = algorithm_directory.path().filename().string();
    for (const auto& entry : fs::directory_iterator(algorithm_directory.path())) {
      if (!entry.is_regular_file()) continue;
      auto name = entry.path().filename().string();
      bool remove = false;
      if (!name.empty() && name[0] == '.') {
        struct stat info {};
        remove = ::stat(entry.path().c_str(), &info) == 0 && now - info.st_mtime > kStaleTemporarySeconds;
      } else {
        Digest digest;
        try {
          digest = Digest::parse(algorithm + ":" + name);
        } catch (const Error&) {
          continue;  // not a blob name: not ours to delete
        }
        remove = !reachable.count(digest);
      }
      if (!remove) continue;
      auto size = entry.file_size();
      std::error_code error;
      if (!fs::remove(entry.path(), error) || error)
        throw Error("gc cannot remove " + entry.path().string() + ": " + error.message());
      freed += size;
    }
  }
  return freed;
}

}  // namespace nanoforge::oci
