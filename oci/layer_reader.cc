#include "oci/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <functional>
#include <memory>
#include <vector>

#include "base/error.h"

namespace nanoforge::oci {

namespace {

using ArchiveReader = std::unique_ptr<archive, decltype(&archive_read_free)>;

ArchiveReader open_layer(const std::filesystem::path& blob) {
  ArchiveReader reader(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_gnutar(reader.get());
  if (archive_read_open_filename(reader.get(), blob.c_str(), 1 << 17) != ARCHIVE_OK)
    throw Error("cannot read layer " + blob.string() + ": " + archive_error_string(reader.get()));
  return reader;
}

// Calls visit(entry, name) for every member of the layer, `name` cleaned ("./", leading "/"
// and trailing "/" dropped); members whose name is then empty (the root) are skipped.
void for_each_entry(archive* reader, const std::filesystem::path& blob,
                    const std::function<void(archive_entry*, const std::string&)>& visit);

std::string clean(std::string name) {
  while (name.starts_with("./")) name.erase(0, 2);
  while (name.starts_with("/")) name.erase(0, 1);
  while (!name.empty() && name.back() == '/') name.pop_back();
  return name;
}

void for_each_entry(archive* reader, const std::filesystem::path& blob,
                    const std::function<void(archive_entry*, const std::string&)>& visit) {
  archive_entry* entry = nullptr;
  while (true) {
    int status = archive_read_next_header(reader, &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) throw Error("cannot read layer " + blob.string() + ": " + archive_error_string(reader));
    std::string name = clean(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
    if (!name.empty()) visit(entry, name);
  }
}

}  // namespace

void for_each_layer_member(const std::filesystem::path& blob, const std::function<void(const LayerMember&)>& visit) {
  auto reader = open_layer(blob);
  for_each_entry(reader.get(), blob, [&](archive_entry* entry, const std::string& name) {
    LayerMember member;
    member.path = name;
    member.mode = archive_entry_perm(entry);
    member.uid = static_cast<std::uint32_t>(archive_entry_uid(entry));
    member.gid = static_cast<std::uint32_t>(archive_entry_gid(entry));
    member.size = static_cast<std::uint64_t>(archive_entry_size(entry));
    if (const char* hardlink = archive_entry_hardlink(entry)) {
      member.type = EntryType::Hardlink;
      member.link_target = clean(hardlink);
    } else if (archive_entry_filetype(entry) == AE_IFDIR) {
      member.type = EntryType::Directory;
    } else if (archive_entry_filetype(entry) == AE_IFLNK) {
      member.type = EntryType::Symlink;
      member.link_target = archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "";
    }
    visit(member);
  });
}

void extract_layer(const std::filesystem::path& blob, const std::filesystem::path& directory) {
  std::filesystem::create_directories(directory);
  auto reader = open_layer(blob);
  std::unique_ptr<archive, decltype(&archive_write_free)> writer(archive_write_disk_new(), archive_write_free);
  archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                   ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  for_each_entry(reader.get(), blob, [&](archive_entry* entry, const std::string& name) {
    // for_each_entry stripped a leading "/" and ".." is refused, so the member stays inside.
    archive_entry_set_pathname(entry, (directory / name).c_str());
    if (const char* hardlink = archive_entry_hardlink(entry))
      archive_entry_set_hardlink(entry, (directory / clean(hardlink)).c_str());
    if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN)
      throw Error("cannot extract " + name + " from layer " + blob.string() + ": " + archive_error_string(writer.get()));
    const void* block;
    size_t size;
    la_int64_t offset;
    int status;
    while ((status = archive_read_data_block(reader.get(), &block, &size, &offset)) == ARCHIVE_OK)
      if (archive_write_data_block(writer.get(), block, size, offset) < ARCHIVE_OK)
        throw Error("cannot write " + name + ": " + archive_error_string(writer.get()));
    if (status < ARCHIVE_WARN)
      throw Error("cannot read " + name + " from layer " + blob.string() + ": " + archive_error_string(reader.get()));
    archive_write_finish_entry(writer.get());
  });
}

}  // namespace nanoforge::oci

namespace nanoforge::oci {

std::optional<std::string> read_layer_file(const std::filesystem::path& blob, const std::string& path) {
  auto reader = open_layer(blob);
  archive_entry* entry = nullptr;
  while (true) {
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) return std::nullopt;
    if (status < ARCHIVE_WARN)
      throw Error("cannot read layer " + blob.string() + ": " + archive_error_string(reader.get()));
    if (clean(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "") != path) continue;
    if (archive_entry_filetype(entry) != AE_IFREG || archive_entry_hardlink(entry)) return std::nullopt;
    std::string content(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
    if (archive_read_data(reader.get(), content.data(), content.size()) != static_cast<la_ssize_t>(content.size()))
      throw Error("layer " + blob.string() + ": " + path + " is truncated");
    return content;
  }
}

std::uint64_t uncompressed_layer_size(const std::filesystem::path& blob) {
  ArchiveReader reader(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_raw(reader.get());
  if (archive_read_open_filename(reader.get(), blob.c_str(), 1 << 17) != ARCHIVE_OK)
    throw Error("cannot read layer " + blob.string() + ": " + archive_error_string(reader.get()));
  archive_entry* entry = nullptr;
  if (archive_read_next_header(reader.get(), &entry) != ARCHIVE_OK)
    throw Error("cannot read layer " + blob.string() + ": " + archive_error_string(reader.get()));
  std::uint64_t total = 0;
  std::vector<char> buffer(1 << 17);
  while (true) {
    auto got = archive_read_data(reader.get(), buffer.data(), buffer.size());
    if (got < 0) throw Error("cannot read layer " + blob.string() + ": " + archive_error_string(reader.get()));
    if (got == 0) break;
    total += static_cast<std::uint64_t>(got);
  }
  return total;
}

}  // namespace nanoforge::oci
