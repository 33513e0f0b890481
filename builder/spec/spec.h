// The nanoforge.yaml spec: what to build. Each section maps one-to-one onto a stage of the
// build (runtime -> rootfs/, venv -> venv/, images -> oci/), as apko's spec does.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/container_contract.h"
#include "oci/image.h"
#include "oci/layer_entry.h"
#include "oci/compression.h"
#include "venv/webui_bundle.h"

namespace nanoforge::builder {

// A layer from a directory or tarball beside the spec, placed at `destination`.
struct LayerSpec {
  std::filesystem::path source;   // absolute, resolved against the spec's directory
  std::string destination;        // image path ("" for the root)
  std::vector<oci::OwnerRule> owners;
  std::string where;              // "FILE:LINE:COL" for messages
};

// An image assembled from layers (the foundation's form; also used for custom images).
struct ImageSpec {
  std::string name;
  std::vector<std::string> tags;
  std::vector<LayerSpec> layers;
  oci::ImageConfig config;
};

// The Debian runtime (rootfs/): which packages, from where, run as whom.
struct RuntimeSpec {
  std::string profile = "standard";            // standard | minimal
  std::vector<std::string> packages;           // extra packages
  std::vector<std::string> exclude;            // replaces the default script-only exclusions when set
  bool exclude_given = false;
  std::vector<std::string> keep;               // absolute globs slimming leaves in (dpkg path-include)
  std::vector<std::string> mirrors;            // empty: the machine's apt sources
  std::vector<std::string> suites;             // empty: bookworm, bookworm-updates, bookworm-security
  std::string snapshot_url;
  std::filesystem::path lock_file;             // Debian lock, beside the spec by default
  std::string user = "nanobot";
  std::uint32_t uid = contract::kUid;
  std::uint32_t gid = contract::kGid;
  std::string home = "/data";
  int port = 18790;                            // the gateway port the image exposes
};

// The shared venv (venv/).
struct VenvSpec {
  std::string python_version = "3.12";
  std::string python;                          // an installed prefix, optional
  std::string python_url;                      // python-build-standalone tarball URL or path
  std::string python_sha256;
  std::filesystem::path project;               // directory with pyproject.toml
  std::string module;                          // imported by verify
  std::vector<std::string> command;            // what the entrypoint starts, e.g. [nanobot, gateway]
  std::string index_url;
  std::vector<std::string> extra_index_urls;
  std::vector<std::string> find_links;         // resolved against the spec directory when relative
  bool no_index = false;
  std::vector<std::string> extras;
  std::vector<std::string> requirements;
  std::map<std::string, std::string> build_env;
  std::vector<std::string> prune;              // extra stdlib parts to drop
  bool strip = true;
  std::filesystem::path output;                // ./venv beside the spec by default
  std::filesystem::path lock_file;             // requirements lock beside the spec by default
  // `webui: build | prebuilt | none` (absent: the app's build backend decides); the bundle is
  // found in the installed project (webui_bundle.h).
  venv::WebuiOptions webui;
};

// Size budgets verify enforces (bytes; 0 = no budget); the runtime's default is 160 MB / 56 MB
// for the nanobot profile.
struct Budgets {
  std::uint64_t runtime_uncompressed = 50'000'000;
  std::uint64_t runtime_compressed = 20'000'000;
  std::uint64_t venv = 0;
};

struct Spec {
  std::filesystem::path file;        // the spec file, absolute
  std::filesystem::path directory;   // its directory: relative paths start here
  std::string name = "nanobot";      // runtime image name; the self-contained one is NAME-full
  std::string version = "latest";    // the version tag
  std::int64_t epoch = 0;            // SOURCE_DATE_EPOCH: every mtime and `created`
  oci::Compression compression = oci::Compression::Gzip;
  int level = -1;
  std::optional<RuntimeSpec> runtime;
  std::optional<VenvSpec> venv;
  std::vector<ImageSpec> images;
  Budgets budgets;
};

// Reads and checks a spec; every error names the file, line, column and field.
// SOURCE_DATE_EPOCH in the environment overrides `epoch`.
Spec load_spec(const std::filesystem::path& file);

// "30s", "1m30s", "500ms" -> nanoseconds; throws naming `where` when malformed.
std::int64_t parse_duration(const std::string& text, const std::string& where);
// "50MB", "20MiB", "1G", "1000" -> bytes.
std::uint64_t parse_size(const std::string& text, const std::string& where);

}  // namespace nanoforge::builder
