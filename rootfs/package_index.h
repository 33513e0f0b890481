// The packages a set of suites offers: each suite's Packages index fetched through by-hash,
// checked against the signed InRelease, cached by its SHA-256, parsed, and merged with the
// highest version of each package winning (so bookworm-security's fix replaces bookworm's).
#pragma once
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/progress.h"
#include "rootfs/package_record.h"
#include "rootfs/repository_config.h"

namespace nanoforge::rootfs {

// A package offering a virtual name through Provides ("mail-transport-agent", or a versioned
// "libfoo-abi (= 2)").
struct Provision {
  std::string package;  // the real package providing it
  std::string version;  // the provided version; empty for an unversioned provide
};

// A suite as it was loaded: which archive it belongs to and when it was signed, so a lock
// can later find its packages in Debian's snapshot archive.
struct LoadedSuite {
  std::string suite;    // "bookworm-security"
  std::string mirror;   // "http://MIRROR/debian-security"
  std::string archive;  // snapshot archive name: "debian" or "debian-security"
  std::chrono::system_clock::time_point date{};  // the InRelease Date
};

class PackageUniverse {
 public:
  // Adds a package unless a higher (or equal) version of the same name is already known.
  // Records for another architecture than `architecture` (other than "all") are ignored.
  void add(PackageRecord record);
  // The candidate (highest version) of `name`, or nullptr.
  const PackageRecord* find(std::string_view name) const;
  // Packages whose Provides name `virtual_name`, in name order.
  const std::vector<Provision>& providers(std::string_view virtual_name) const;
  std::size_t size() const { return packages_.size(); }
  const std::unordered_map<std::string, PackageRecord>& packages() const { return packages_; }

  std::string architecture = "amd64";
  // What was loaded, for messages: "bookworm, bookworm-security (main, amd64)".
  std::string description;
  std::vector<LoadedSuite> suites;

 private:
  void index_provides();
  std::unordered_map<std::string, PackageRecord> packages_;
  mutable std::unordered_map<std::string, std::vector<Provision>> providers_;
  mutable bool providers_current_ = false;
};

// Parses Packages text into records (each with `mirror` and `suite` set). `source` names the index in
// errors: a stanza missing Package, Version, Filename, SHA256 or Size.
std::vector<PackageRecord> parse_packages_index(std::string_view text, const std::string& mirror,
                                                const std::string& suite, const std::string& source);

// Fetches and verifies every configured suite's InRelease (gpgv), then each component's
// Packages index for the configured architecture: by-hash when the release offers it, its
// SHA-256 checked against the signed list, and kept in <cache_dir>/indices/<sha256>. A
// cached index is re-hashed before use; a corrupt one is fetched again. Throws
// nanoforge::Error naming the suite and URL on any failure.
PackageUniverse load_package_universe(const RepositoryConfig& config,
                                      const std::filesystem::path& cache_dir,
                                      const ProgressCallback& progress = {});

// Decompresses an .xz/.gz/.zst (or uncompressed) file with libarchive into memory.
std::string decompress_file(const std::filesystem::path& path);

}  // namespace nanoforge::rootfs
