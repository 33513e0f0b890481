#include "oci/tar_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <locale.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <map>
#include <memory>
#include <string>

#include "base/error.h"

namespace nanoforge::oci {

namespace {

std::string describe(const LayerEntry& entry) { return "layer entry '" + entry.path + "'"; }

void check_entry(LayerEntry& entry) {
  std::string original = entry.path;
  entry.path = normalize_image_path(entry.path, "layer entry '" + original + "'");
  if (entry.path.empty())
    throw Error("layer entry '" + original + "' names the image root, which cannot be an entry");
  if (entry.mode & ~07777u)
    throw Error(describe(entry) + ": mode " + std::to_string(entry.mode) +
                " has bits beyond permissions (07777)");
  switch (entry.type) {
    case EntryType::Regular:
      if (entry.source.empty()) {
        if (entry.size != 0 && entry.size != entry.data.size())
          throw Error(describe(entry) + ": size " + std::to_string(entry.size) +
                      " does not match its " + std::to_string(entry.data.size()) + " bytes of data");
        entry.size = entry.data.size();
      }
      break;
    case EntryType::Symlink:
      if (entry.link_target.empty())
        throw Error(describe(entry) + ": symbolic link with an empty target");
      break;
    case EntryType::Hardlink:
      entry.link_target = normalize_image_path(entry.link_target, describe(entry) + " hard link target");
      if (entry.link_target.empty())
        throw Error(describe(entry) + ": hard link to the image root");
      break;
    case EntryType::Directory:
      break;
  }
}

// Follows hard links to the entry that holds the content.
std::size_t link_origin(const std::vector<LayerEntry>& entries,
                        const std::map<std::string, std::size_t>& index, std::size_t start) {
  std::size_t current = start;
  for (std::size_t steps = 0; entries[current].type == EntryType::Hardlink; ++steps) {
    auto found = index.find(entries[current].link_target);
    if (found == index.end())
      throw Error(describe(entries[start]) + " is a hard link to '" + entries[current].link_target +
                  "', which is not in the layer");
    if (steps > entries.size())
      throw Error(describe(entries[start]) + " is part of a cycle of hard links");
    current = found->second;
  }
  if (entries[current].type == EntryType::Directory)
    throw Error(describe(entries[start]) + " is a hard link to the directory '" +
                entries[current].path + "'");
  return current;
}

// Tar readers need the data before any link to it, so the first entry of each group of
// hard links in layer order takes the content and the rest link to it.
void repoint_hard_links(std::vector<LayerEntry>& entries) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i].path, i);
  std::map<std::size_t, std::vector<std::size_t>> groups;  // origin -> links to it
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (entries[i].type == EntryType::Hardlink) groups[link_origin(entries, index, i)].push_back(i);

  for (auto& [origin, links] : groups) {
    std::size_t holder = std::min(origin, *std::min_element(links.begin(), links.end()));
    if (holder != origin) {
      // The content moves to the holder; the origin's slot takes the holder's link entry.
      std::string holder_path = entries[holder].path;
      std::string origin_path = entries[origin].path;
      std::swap(entries[holder], entries[origin]);
      entries[holder].path = holder_path;
      entries[origin].path = origin_path;
      links.push_back(origin);
    }
    const LayerEntry& content = entries[holder];
    for (std::size_t member : links) {
      if (member == holder) continue;
      LayerEntry& link = entries[member];
      link.type = EntryType::Hardlink;
      link.link_target = content.path;
      link.mode = content.mode;
      link.uid = content.uid;
      link.gid = content.gid;
      link.source.clear();
      link.data.clear();
      link.size = 0;
    }
  }
}

struct ArchiveFree {
  void operator()(archive* handle) const { archive_write_free(handle); }
};
struct EntryFree {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

struct SinkContext {
  const ByteSink* out = nullptr;
  std::exception_ptr error;
};

la_ssize_t write_to_sink(archive*, void* client, const void* buffer, size_t length) {
  auto* context = static_cast<SinkContext*>(client);
  try {
    (*context->out)(buffer, length);
    return static_cast<la_ssize_t>(length);
  } catch (...) {
    context->error = std::current_exception();
    return -1;
  }
}

// libarchive converts names to UTF-8 for PAX headers through the thread's locale, so the
// tar would depend on LANG. Names are UTF-8 bytes here, whatever the process locale; a name
// that is not valid UTF-8 is written as raw bytes with hdrcharset=BINARY, also fixed.
class Utf8ThreadLocale {
 public:
  Utf8ThreadLocale() : utf8_(::newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0))) {
    if (utf8_) previous_ = ::uselocale(utf8_);
  }
  ~Utf8ThreadLocale() {
    if (!utf8_) return;
    ::uselocale(previous_);
    ::freelocale(utf8_);
  }
  Utf8ThreadLocale(const Utf8ThreadLocale&) = delete;
  Utf8ThreadLocale& operator=(const Utf8ThreadLocale&) = delete;

 private:
  locale_t utf8_;
  locale_t previous_ = LC_GLOBAL_LOCALE;
};

class TarWriter {
 public:
  TarWriter(const ByteSink& out) : handle_(archive_write_new()), entry_(archive_entry_new()) {
    context_.out = &out;
    if (!handle_ || !entry_) throw Error("libarchive could not allocate a tar writer");
    // Restricted PAX: plain ustar headers unless a field truly needs an extended header.
    check(archive_write_set_format_pax_restricted(handle_.get()), "choose the tar format");
    // Unblocked: bytes go straight to the sink and the tar ends after its two zero blocks.
    check(archive_write_set_bytes_per_block(handle_.get(), 0), "set the tar block size");
    check(archive_write_open2(handle_.get(), &context_, nullptr, write_to_sink, nullptr, nullptr),
          "start the tar stream");
  }
  ~TarWriter() {
    if (!closed_) archive_write_fail(handle_.get());  // an error stopped us: write no trailer
  }

  void write(const LayerEntry& entry, std::int64_t epoch, std::vector<char>& buffer) {
    archive_entry* header = entry_.get();
    archive_entry_clear(header);
    std::string name = entry.path;
    archive_entry_set_mtime(header, epoch, 0);
    archive_entry_set_uid(header, entry.uid);
    archive_entry_set_gid(header, entry.gid);
    archive_entry_set_perm(header, static_cast<mode_t>(entry.mode & 07777));
    switch (entry.type) {
      case EntryType::Regular:
        archive_entry_set_filetype(header, AE_IFREG);
        archive_entry_set_size(header, static_cast<la_int64_t>(entry.size));
        break;
      case EntryType::Directory:
        archive_entry_set_filetype(header, AE_IFDIR);
        name += '/';  // as tar tools write directories
        break;
      case EntryType::Symlink:
        archive_entry_set_filetype(header, AE_IFLNK);
        archive_entry_copy_symlink(header, entry.link_target.c_str());
        break;
      case EntryType::Hardlink:
        archive_entry_set_filetype(header, AE_IFREG);
        archive_entry_copy_hardlink(header, entry.link_target.c_str());
        archive_entry_set_size(header, 0);
        break;
    }
    archive_entry_copy_pathname(header, name.c_str());
    check(archive_write_header(handle_.get(), header), "write the header of " + describe(entry));
    if (entry.type != EntryType::Regular) return;
    if (entry.source.empty())
      write_data(entry, entry.data.data(), entry.data.size());
    else
      copy_source(entry, buffer);
    check(archive_write_finish_entry(handle_.get()), "finish " + describe(entry));
  }

  void close() {
    closed_ = true;
    check(archive_write_close(handle_.get()), "finish the tar stream");
  }

 private:
  void check(int status, const std::string& what) {
    if (status >= ARCHIVE_WARN) return;  // a warning still wrote the header
    if (context_.error) std::rethrow_exception(context_.error);
    const char* message = archive_error_string(handle_.get());
    throw Error("cannot " + what + ": " + (message ? message : "libarchive failed"));
  }

  void write_data(const LayerEntry& entry, const void* data, std::size_t size) {
    auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
      la_ssize_t written = archive_write_data(handle_.get(), bytes, size);
      if (written <= 0) check(ARCHIVE_FATAL, "write the content of " + describe(entry));
      bytes += written;
      size -= static_cast<std::size_t>(written);
    }
  }

  // Streams `source` into the tar, failing when it no longer has the size the header says.
  void copy_source(const LayerEntry& entry, std::vector<char>& buffer) {
    const std::string source = entry.source.string();
    int fd = ::open(entry.source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_system_error("cannot read " + describe(entry) + " from", source);
    struct FdCloser {
      int fd;
      ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat info;
    if (::fstat(fd, &info) != 0) throw_system_error("cannot read", source);
    if (!S_ISREG(info.st_mode))
      throw Error(source + " (for " + describe(entry) + ") is no longer a regular file");
    auto changed = [&](std::uint64_t now) {
      return Error(source + " (for " + describe(entry) + ") changed size since it was scanned: " +
                   "its entry records " + std::to_string(entry.size) + " bytes, the file has " +
                   (now > entry.size ? "at least " : "") + std::to_string(now));
    };
    if (static_cast<std::uint64_t>(info.st_size) != entry.size) throw changed(info.st_size);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    std::uint64_t copied = 0;
    while (true) {
      // One byte more than expected shows a file that grew.
      std::size_t want = static_cast<std::size_t>(
          std::min<std::uint64_t>(buffer.size(), entry.size - copied + 1));
      ssize_t got = ::read(fd, buffer.data(), want);
      if (got < 0) {
        if (errno == EINTR) continue;
        throw_system_error("cannot read", source);
      }
      if (got == 0) break;
      if (copied + static_cast<std::uint64_t>(got) > entry.size) throw changed(copied + got);
      write_data(entry, buffer.data(), static_cast<std::size_t>(got));
      copied += static_cast<std::uint64_t>(got);
    }
    if (copied != entry.size) throw changed(copied);
  }

  std::unique_ptr<archive, ArchiveFree> handle_;
  std::unique_ptr<archive_entry, EntryFree> entry_;
  SinkContext context_;
  bool closed_ = false;
};

}  // namespace

void prepare_entries(std::vector<LayerEntry>& entries) {
  for (auto& entry : entries) check_entry(entry);
  std::stable_sort(entries.begin(), entries.end(), [](const LayerEntry& a, const LayerEntry& b) {
    return image_path_less(a.path, b.path);
  });
  for (std::size_t i = 1; i < entries.size(); ++i)
    if (entries[i].path == entries[i - 1].path)
      throw Error("duplicate path '" + entries[i].path + "' in layer: each path may appear once");
  repoint_hard_links(entries);
}

std::uint64_t estimated_tar_size(const std::vector<LayerEntry>& entries) {
  std::uint64_t total = 1024;  // the end-of-archive blocks
  for (const auto& entry : entries) {
    total += 512;
    if (entry.type == EntryType::Regular) total += (entry.size + 511) / 512 * 512;
  }
  return total;
}

void write_tar_stream(const std::vector<LayerEntry>& entries, std::int64_t epoch,
                      const ByteSink& out) {
  Utf8ThreadLocale locale;
  TarWriter writer(out);
  std::vector<char> buffer(1 << 20);
  for (const auto& entry : entries) writer.write(entry, epoch, buffer);
  writer.close();
}

}  // namespace nanoforge::oci
