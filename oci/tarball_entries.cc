#include "oci/tarball_entries.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "base/error.h"

namespace nanoforge::oci {

std::vector<LayerEntry> read_tarball_entries(const std::filesystem::path& tarball,
                                             const std::string& destination) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_gnutar(reader.get());
  if (archive_read_open_filename(reader.get(), tarball.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error("cannot read tarball " + tarball.string() + ": " + archive_error_string(reader.get()));
  auto prefix = destination.empty() ? std::string() : destination + "/";
  std::vector<LayerEntry> entries;
  archive_entry* entry = nullptr;
  while (true) {
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN)
      throw Error("cannot read tarball " + tarball.string() + ": " + archive_error_string(reader.get()));
    std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    while (name.starts_with("./")) name.erase(0, 2);
    while (!name.empty() && name.back() == '/') name.pop_back();
    if (name.empty() || name == ".") continue;
    auto context = tarball.string() + ": member '" + name + "'";
    LayerEntry layer_entry;
    layer_entry.path = normalize_image_path(prefix + name, context);
    layer_entry.mode = archive_entry_perm(entry);
    layer_entry.uid = static_cast<std::uint32_t>(archive_entry_uid(entry));
    layer_entry.gid = static_cast<std::uint32_t>(archive_entry_gid(entry));
    if (const char* hardlink = archive_entry_hardlink(entry)) {
      layer_entry.type = EntryType::Hardlink;
      std::string target = hardlink;
      while (target.starts_with("./")) target.erase(0, 2);
      layer_entry.link_target = normalize_image_path(prefix + target, context);
    } else {
      switch (archive_entry_filetype(entry)) {
        case AE_IFREG: {
          layer_entry.type = EntryType::Regular;
          auto size = archive_entry_size(entry);
          layer_entry.data.resize(static_cast<std::size_t>(size));
          auto got = archive_read_data(reader.get(), layer_entry.data.data(), layer_entry.data.size());
          if (got != size) throw Error(context + " is truncated");
          layer_entry.size = static_cast<std::uint64_t>(size);
          break;
        }
        case AE_IFDIR: layer_entry.type = EntryType::Directory; break;
        case AE_IFLNK:
          layer_entry.type = EntryType::Symlink;
          layer_entry.link_target = archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "";
          break;
        default: throw Error(context + " is a device, FIFO or socket, which layers do not hold");
      }
    }
    entries.push_back(std::move(layer_entry));
  }
  return entries;
}

}  // namespace nanoforge::oci
