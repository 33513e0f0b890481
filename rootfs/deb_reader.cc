#include "rootfs/deb_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <optional>
#include <string_view>

#include "base/error.h"

namespace nanoforge::rootfs {

namespace fs = std::filesystem;

namespace {

struct ArchiveFree {
  void operator()(archive* handle) const { archive_read_free(handle); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

std::string archive_message(archive* handle) {
  const char* message = archive_error_string(handle);
  return message ? message : "unknown libarchive error";
}

// An inner tar read straight out of the current member of the outer `ar` archive.
struct NestedSource {
  archive* outer;
  char buffer[64 * 1024];
};

la_ssize_t read_nested(archive* inner, void* client, const void** block) {
  auto* source = static_cast<NestedSource*>(client);
  la_ssize_t got = archive_read_data(source->outer, source->buffer, sizeof source->buffer);
  if (got < 0) {
    archive_set_error(inner, -1, "%s", archive_message(source->outer).c_str());
    return -1;
  }
  *block = source->buffer;
  return got;
}

ArchivePtr open_member_tar(archive* outer, NestedSource& source, const std::string& where) {
  ArchivePtr inner(archive_read_new());
  if (!inner) throw Error(where + ": cannot allocate a libarchive reader");
  archive_read_support_filter_xz(inner.get());
  archive_read_support_filter_zstd(inner.get());
  archive_read_support_filter_gzip(inner.get());
  archive_read_support_filter_none(inner.get());
  archive_read_support_format_tar(inner.get());
  source.outer = outer;
  if (archive_read_open(inner.get(), &source, nullptr, read_nested, nullptr) != ARCHIVE_OK)
    throw Error(where + ": not a readable tar: " + archive_message(inner.get()));
  return inner;
}

// Next header of `handle`, or nullptr at the end; throws on errors (warnings are accepted:
// libarchive warns about harmless things like unknown pax keywords).
archive_entry* next_header(archive* handle, const std::string& where) {
  archive_entry* entry = nullptr;
  int status = archive_read_next_header(handle, &entry);
  if (status == ARCHIVE_EOF) return nullptr;
  if (status < ARCHIVE_WARN) throw Error(where + ": " + archive_message(handle) + " (truncated or corrupt?)");
  return entry;
}

std::string read_all(archive* handle, const std::string& where) {
  std::string content;
  char buffer[16 * 1024];
  for (;;) {
    la_ssize_t got = archive_read_data(handle, buffer, sizeof buffer);
    if (got < 0) throw Error(where + ": " + archive_message(handle) + " (truncated or corrupt?)");
    if (got == 0) return content;
    content.append(buffer, static_cast<std::size_t>(got));
  }
}

std::string_view member_kind(std::string_view name) {
  if (name.starts_with("control.tar")) return "control";
  if (name.starts_with("data.tar")) return "data";
  return "";
}

DebControlFiles read_control_tar(archive* outer, const std::string& where) {
  NestedSource source{};
  ArchivePtr inner = open_member_tar(outer, source, where);
  DebControlFiles files;
  bool have_control = false;
  while (archive_entry* entry = next_header(inner.get(), where)) {
    std::string name = oci::normalize_image_path(archive_entry_pathname(entry), where);
    if (name == "control") {
      std::string text = read_all(inner.get(), where + " control");
      auto stanzas = parse_control(text, where + " control");
      if (stanzas.size() != 1)
        throw Error(where + ": the control file holds " + std::to_string(stanzas.size()) +
                    " stanzas, expected exactly one");
      files.control = std::move(stanzas.front());
      have_control = true;
    } else if (name == "md5sums") {
      files.md5sums = read_all(inner.get(), where + " md5sums");
    } else if (name == "postinst") {
      files.postinst = read_all(inner.get(), where + " postinst");
    } else if (name == "conffiles") {
      std::string text = read_all(inner.get(), where + " conffiles");
      std::size_t start = 0;
      while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
        // "remove-on-upgrade /etc/x" flags (dpkg >= 1.20) name files that are no longer shipped.
        if (!line.empty() && line.front() == '/') files.conffiles.push_back(line);
      }
    }
  }
  if (!have_control) throw Error(where + ": no control file in control.tar");
  if (!files.control.get("Package"))
    throw Error(where + ": the control file has no Package field");
  return files;
}

class ArchiveContent : public EntryContent {
 public:
  ArchiveContent(archive* handle, std::string where) : handle_(handle), where_(std::move(where)) {}
  std::size_t read(void* buffer, std::size_t size) override {
    la_ssize_t got = archive_read_data(handle_, buffer, size);
    if (got < 0) throw Error(where_ + ": " + archive_message(handle_) + " (truncated or corrupt?)");
    return static_cast<std::size_t>(got);
  }

 private:
  archive* handle_;
  std::string where_;
};

void read_data_tar(archive* outer, const std::string& where, const DataEntryVisitor& visitor) {
  NestedSource source{};
  ArchivePtr inner = open_member_tar(outer, source, where);
  while (archive_entry* entry = next_header(inner.get(), where)) {
    const char* raw_path = archive_entry_pathname(entry);
    if (!raw_path) throw Error(where + ": an entry has no path");
    std::string entry_where = where + " entry '" + raw_path + "'";
    DataEntry data;
    data.path = oci::normalize_image_path(raw_path, where);
    data.mode = archive_entry_perm(entry) & 07777;
    data.uid = static_cast<std::uint32_t>(archive_entry_uid(entry));
    data.gid = static_cast<std::uint32_t>(archive_entry_gid(entry));
    if (const char* hardlink = archive_entry_hardlink(entry)) {
      data.type = oci::EntryType::Hardlink;
      data.link_target = oci::normalize_image_path(hardlink, entry_where);
    } else {
      switch (archive_entry_filetype(entry)) {
        case AE_IFREG:
          data.type = oci::EntryType::Regular;
          data.size = static_cast<std::uint64_t>(archive_entry_size(entry));
          break;
        case AE_IFDIR:
          data.type = oci::EntryType::Directory;
          break;
        case AE_IFLNK: {
          data.type = oci::EntryType::Symlink;
          const char* target = archive_entry_symlink(entry);
          if (!target || !*target) throw Error(entry_where + ": symlink without a target");
          data.link_target = target;
          break;
        }
        default:
          throw Error(entry_where + ": unsupported entry type (devices, FIFOs and sockets are "
                                    "not allowed in a package)");
      }
    }
    ArchiveContent content(inner.get(), entry_where);
    visitor(data, content);
  }
}

DebControlFiles read(const fs::path& deb, const DataEntryVisitor* visitor,
                     const ControlVisitor* on_control) {
  const std::string name = deb.string();
  ArchivePtr outer(archive_read_new());
  if (!outer) throw Error(name + ": cannot allocate a libarchive reader");
  archive_read_support_format_ar(outer.get());
  if (archive_read_open_filename(outer.get(), deb.c_str(), 64 * 1024) != ARCHIVE_OK)
    throw Error(name + ": cannot open as a Debian package: " + archive_message(outer.get()));
  bool have_version = false;
  std::optional<DebControlFiles> control;
  bool have_data = false;
  while (archive_entry* entry = next_header(outer.get(), name)) {
    std::string member = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    while (!member.empty() && member.back() == '/') member.pop_back();  // GNU ar name style
    std::string where = name + " (" + member + ")";
    if (member == "debian-binary") {
      std::string version = read_all(outer.get(), where);
      if (!version.starts_with("2."))
        throw Error(where + ": format version '" + version.substr(0, 16) +
                    "' is not supported, expected 2.x");
      have_version = true;
      continue;
    }
    auto kind = member_kind(member);
    if (kind.empty()) continue;  // "_"-prefixed members are reserved for extensions
    if (!have_version) throw Error(where + ": the first member must be debian-binary");
    if (kind == "control") {
      control = read_control_tar(outer.get(), where);
      if (!visitor) return *control;
      if (on_control && *on_control) (*on_control)(*control);
    } else {
      if (!control) throw Error(where + ": data.tar comes before control.tar");
      read_data_tar(outer.get(), where, *visitor);
      have_data = true;
    }
  }
  if (!have_version) throw Error(name + ": not a Debian package (no debian-binary member)");
  if (!control) throw Error(name + ": no control.tar member (truncated?)");
  if (visitor && !have_data) throw Error(name + ": no data.tar member (truncated?)");
  return *control;
}

}  // namespace

DebControlFiles read_deb(const fs::path& deb, const DataEntryVisitor& visitor,
                         const ControlVisitor& on_control) {
  return read(deb, &visitor, &on_control);
}

DebControlFiles read_deb_control(const fs::path& deb) { return read(deb, nullptr, nullptr); }

}  // namespace nanoforge::rootfs
