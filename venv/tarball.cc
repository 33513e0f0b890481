#include "venv/tarball.h"

#include "base/atomic_file.h"
#include "oci/layer_entry.h"
#include "oci/layer_writer.h"
#include "oci/parallel_gzip.h"

namespace nanoforge::venv {

Digest write_venv_tarball(const std::filesystem::path& venv_dir, const std::filesystem::path& target,
                               const std::string& top, std::int64_t epoch) {
  auto entries = oci::scan_directory(venv_dir, top);
  AtomicFile out(target);
  Sha256 digest;
  oci::ParallelGzip gzip(6, 0, [&](const void* data, std::size_t size) {
    out.write(data, size);
    digest.update(data, size);
  });
  oci::write_tar(std::move(entries), epoch, [&](const void* data, std::size_t size) { gzip.write(data, size); });
  gzip.finish();
  out.commit();
  return digest.finish();
}

}  // namespace nanoforge::venv
