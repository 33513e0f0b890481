// ./venv.tar.gz: the venv as one deterministic gzip'd tar (the core's tar writer and
// parallel gzip), so the same venv gives the same bytes on any machine and core count.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "base/digest.h"

namespace nanoforge::venv {

// Writes `venv_dir` as `top`/... into `target` atomically; returns the digest of the file.
Digest write_venv_tarball(const std::filesystem::path& venv_dir, const std::filesystem::path& target,
                               const std::string& top, std::int64_t epoch);

}  // namespace nanoforge::venv
