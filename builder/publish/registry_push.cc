#include "builder/publish/registry_push.h"

#include "base/atomic_file.h"

namespace nanoforge::builder {

void RegistryFlags::add_to(CLI::App* command) {
  command->add_option("--insecure-registry", insecure_registries,
                      "HOST:PORT reached over plain HTTP or unverified TLS (repeatable)");
  command->add_option("--ca-file", ca_file, "PEM file of CA certificates to trust for the registry")
      ->check(CLI::ExistingFile);
  command->add_option("--jobs", jobs, "Blobs transferred at once (default 4)")->check(CLI::Range(1, 64));
  command->add_option("--retries", retries, "Retries per request on 408/429/500/502/503/504 and lost or timed-out connections (default 5)")
      ->check(CLI::Range(0, 20));
}

oci::TransportOptions RegistryFlags::transport() const {
  oci::TransportOptions options;
  options.insecure_registries = insecure_registries;
  options.ca_file = ca_file;
  options.retry.max_attempts = retries + 1;
  return options;
}

nlohmann::json push_and_report(const GlobalOptions& options, Console& console, const oci::Layout& layout,
                               const PushList& pushes, const RegistryFlags& flags,
                               const std::vector<std::string>& also_tags, const std::string& digest_file) {
  oci::PushOptions push_options;
  push_options.transport = flags.transport();
  push_options.jobs = flags.jobs;
  push_options.also_tags = also_tags;
  // Upload locations (to resume a killed push) and where each blob went (to mount it).
  push_options.state_directory = options.cache_path() / "registry";
  auto results = oci::push_images(layout, pushes, push_options, console.progress());

  nlohmann::json report = nlohmann::json::array();
  std::string digests;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& result = results[i];
    report.push_back({{"image", pushes[i].first.str()},
                      {"digest", result.digest.str()},
                      {"references", result.references},
                      {"blobBytesSent", result.bytes_sent},
                      {"blobBytesTotal", result.bytes_total},
                      {"blobsUploaded", result.blobs_uploaded},
                      {"blobsSkipped", result.blobs_skipped},
                      {"blobsMounted", result.blobs_mounted},
                      {"retries", result.retries}});
    for (const auto& reference : result.references) console.info("pushed " + reference);
    console.info(result.digest.str() + ": " + std::to_string(result.blobs_uploaded) + " blobs uploaded (" +
                 human_bytes(result.bytes_sent) + " sent), " + std::to_string(result.blobs_skipped) +
                 " already there, " + std::to_string(result.blobs_mounted) + " mounted" +
                 (result.retries ? ", " + std::to_string(result.retries) + " retries" : ""));
    digests += result.digest.str() + "\n";
  }
  if (!digest_file.empty()) write_file_atomically(digest_file, digests);
  return report;
}

}  // namespace nanoforge::builder
