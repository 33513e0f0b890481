// Builds .deb packages for the rootfs tests: well-formed ones with the host's dpkg-deb, and
// deliberately bad ones (unsafe paths, escaping symlinks, truncation) with libarchive.
#pragma once
#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.h"

namespace nanoforge::testing {

// A file of a test package: content, or a symlink target when `symlink` is set.
struct TestFile {
  TestFile(std::string content_, unsigned mode_ = 0644, std::string symlink_ = {})
      : content(std::move(content_)), mode(mode_), symlink(std::move(symlink_)) {}
  std::string content;
  unsigned mode = 0644;
  std::string symlink;
};

// Builds NAME_VERSION_all.deb in `directory` with dpkg-deb from `files` (paths relative to
// the package root); `conffiles` lists absolute paths; `control_extra` adds control lines.
inline std::filesystem::path build_test_deb(const std::filesystem::path& directory,
                                            const std::string& name,
                                            const std::map<std::string, TestFile>& files,
                                            const std::vector<std::string>& conffiles = {},
                                            const std::string& control_extra = "",
                                            const std::string& compression = "xz") {
  namespace fs = std::filesystem;
  fs::path root = directory / (name + "-root");
  fs::create_directories(root / "DEBIAN");
  for (const auto& [path, file] : files) {
    fs::path target = root / path;
    fs::create_directories(target.parent_path());
    if (!file.symlink.empty()) {
      fs::create_symlink(file.symlink, target);
    } else {
      write_text(target, file.content);
      fs::permissions(target, static_cast<fs::perms>(file.mode));
    }
  }
  // control_extra may name its own Architecture (Multi-Arch: same needs a real one).
  const std::string architecture =
      control_extra.find("Architecture:") == std::string::npos ? "Architecture: all\n" : "";
  write_text(root / "DEBIAN/control", "Package: " + name + "\nVersion: 1.0-1\n" + architecture +
                                          "Maintainer: Test "
                                          "<test@example.org>\nDescription: test package\n long "
                                          "description\n .\n second paragraph\n" +
                                          control_extra);
  if (!conffiles.empty()) {
    std::string text;
    for (const auto& path : conffiles) text += path + "\n";
    write_text(root / "DEBIAN/conffiles", text);
  }
  auto md5 = run("cd " + shell_quote(root.string()) +
                 " && find . -path ./DEBIAN -prune -o -type f -printf '%P\\0' | sort -z | xargs -0r "
                 "md5sum > DEBIAN/md5sums");
  if (md5.exit_code != 0) throw std::runtime_error("md5sum failed: " + md5.output);
  fs::path deb = directory / (name + "_1.0-1_all.deb");
  auto built = run("dpkg-deb --root-owner-group -Z" + compression + " --build " +
                   shell_quote(root.string()) + " " + shell_quote(deb.string()));
  if (built.exit_code != 0) throw std::runtime_error("dpkg-deb failed: " + built.output);
  return deb;
}

// One raw tar entry for crafted packages.
struct RawEntry {
  std::string path;
  char type = 'f';  // 'f' file, 'd' directory, 'l' symlink, 'h' hard link
  std::string content_or_target;
  unsigned mode = 0644;
};

inline std::string tar_gz_in_memory(const std::vector<RawEntry>& entries) {
  std::vector<char> buffer(1 << 20);
  size_t used = 0;
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  archive_write_add_filter_gzip(writer);
  archive_write_open_memory(writer, buffer.data(), buffer.size(), &used);
  for (const auto& raw : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, raw.path.c_str());
    archive_entry_set_perm(entry, raw.mode);
    switch (raw.type) {
      case 'd':
        archive_entry_set_filetype(entry, AE_IFDIR);
        break;
      case 'l':
        archive_entry_set_filetype(entry, AE_IFLNK);
        archive_entry_set_symlink(entry, raw.content_or_target.c_str());
        break;
      case 'h':
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_hardlink(entry, raw.content_or_target.c_str());
        break;
      default:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_size(entry, static_cast<la_int64_t>(raw.content_or_target.size()));
    }
    archive_write_header(writer, entry);
    if (raw.type == 'f') archive_write_data(writer, raw.content_or_target.data(), raw.content_or_target.size());
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
  return std::string(buffer.data(), used);
}

// Writes an ar-format .deb whose data.tar.gz holds exactly `data` (no checks at all).
inline std::filesystem::path craft_deb(const std::filesystem::path& file, const std::string& name,
                                       const std::vector<RawEntry>& data) {
  std::string control = tar_gz_in_memory(
      {{"./", 'd', "", 0755},
       {"./control", 'f', "Package: " + name + "\nVersion: 1\nArchitecture: all\nDescription: x\n"}});
  std::string payload = tar_gz_in_memory(data);
  archive* writer = archive_write_new();
  archive_write_set_format_ar_svr4(writer);
  archive_write_open_filename(writer, file.c_str());
  auto add = [&](const std::string& member, const std::string& bytes) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, member.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(bytes.size()));
    archive_write_header(writer, entry);
    archive_write_data(writer, bytes.data(), bytes.size());
    archive_entry_free(entry);
  };
  add("debian-binary", "2.0\n");
  add("control.tar.gz", control);
  add("data.tar.gz", payload);
  archive_write_close(writer);
  archive_write_free(writer);
  return file;
}

}  // namespace nanoforge::testing

namespace nanoforge::testing {

// Downloads real packages with the host's apt (its lists must be current: apt-get update)
// into `directory`; returns the .deb files sorted by name.
inline std::vector<std::filesystem::path> download_debs(const std::filesystem::path& directory,
                                                        const std::string& packages) {
  auto download = run("cd " + shell_quote(directory.string()) + " && apt-get download " + packages + " 2>&1");
  if (download.exit_code != 0) throw std::runtime_error("apt-get download failed: " + download.output);
  std::vector<std::filesystem::path> debs;
  for (const auto& item : std::filesystem::directory_iterator(directory))
    if (item.path().extension() == ".deb") debs.push_back(item.path());
  std::sort(debs.begin(), debs.end());
  return debs;
}

}  // namespace nanoforge::testing
