#include "builder/publish/registry_push.h"

#include "base/atomic_file.h"
#include "base/human_bytes.h"

namespace nanoforge::builder {

oci::TransportOptions RegistryFlags::transport() const {
  oci::TransportOptions options;
  options.insecure_registries = insecure_registries;
  options.ca_file = ca_file;
  options.retry.max_attempts = retries + 1;
  return options;
}

nlohmann::json push_and_report(Reporter& reporter, const oci::Layout& layout, const PushList& pushes,
                               const PushSettings& settings) {
  oci::PushOptions push_options;
  push_options.transport = settings.registry.transport();
  push_options.jobs = settings.registry.jobs;
  push_options.also_tags = settings.also_tags;
  push_options.state_directory = settings.state_directory;
  auto results = oci::push_images(layout, pushes, push_options, reporter.progress());

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
    for (const auto& reference : result.references) reporter.info("pushed " + reference);
    reporter.info(result.digest.str() + ": " + std::to_string(result.blobs_uploaded) + " blobs uploaded (" +
                 human_bytes(result.bytes_sent) + " sent), " + std::to_string(result.blobs_skipped) +
                 " already there, " + std::to_string(result.blobs_mounted) + " mounted" +
                 (result.retries ? ", " + std::to_string(result.retries) + " retries" : ""));
    digests += result.digest.str() + "\n";
  }
  if (!settings.digest_file.empty()) write_file_atomically(settings.digest_file, digests);
  return report;
}

}  // namespace nanoforge::builder
