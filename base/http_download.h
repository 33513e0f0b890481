// Plain HTTP(S) downloads with libcurl, for .deb packages, Debian indices and Python
// tarballs. Honours HTTP(S)_PROXY/NO_PROXY as curl does. Never prints.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/progress.h"
#include "base/retry.h"

namespace nanoforge {

struct DownloadRequest {
  std::string url;
  std::filesystem::path destination;     // written atomically: temp name, fsync, rename
  std::optional<Digest> expected;   // checked before the rename; mismatch -> Error, nothing written
  std::optional<std::uint64_t> expected_size;
};

// Downloads one URL; throws nanoforge::Error naming the URL (HTTP status, curl error,
// digest mismatch). Retries what base/retry.h's rule calls transient (the registry client's
// rule too), on `retry`'s schedule; a body shorter than expected_size counts as a cut transfer.
void download_file(const DownloadRequest& request, const ProgressCallback& progress = {},
                   const RetryPolicy& retry = RetryPolicy());

// Downloads several at once (up to `parallel` transfers), each as download_file would.
// Every request is attempted; then, if any failed, throws one Error listing each failed URL
// and why (one per line). Completed files stay in place.
void download_files(const std::vector<DownloadRequest>& requests, unsigned parallel = 4,
                    const ProgressCallback& progress = {}, const RetryPolicy& retry = RetryPolicy());

// GETs a small resource into memory (InRelease); throws naming the URL on failure. Retries
// as download_file does.
std::string fetch_text(const std::string& url, const RetryPolicy& retry = RetryPolicy());

}  // namespace nanoforge
