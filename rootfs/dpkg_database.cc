#include "rootfs/dpkg_database.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

#include "base/error.h"

namespace nanoforge::rootfs {

namespace fs = std::filesystem;

namespace {

constexpr FileMetadata kFile{0644, 0, 0};
constexpr FileMetadata kDirectory{0755, 0, 0};

std::string md5_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr) != 1)
    throw Error("MD5 is not available from OpenSSL");
  std::string hex;
  char pair[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    hex += pair;
  }
  return hex;
}

std::string conffile_md5(const std::string& conffile, const StagingTree& tree) {
  std::string path = merged_usr_path(conffile.substr(1));
  if (tree.type_of(path) != fs::file_type::regular) return "newconffile";  // dpkg's placeholder
  return md5_hex(tree.read_file(path));
}

}  // namespace

std::string dpkg_info_name(const UnpackedPackage& package) {
  if (package.control_files.control.get_or("Multi-Arch", "") == "same")
    return package.name + ":" + package.architecture;
  return package.name;
}

std::string dpkg_status_stanza(const UnpackedPackage& package, const StagingTree& tree) {
  ControlStanza status;
  const ControlStanza& control = package.control_files.control;
  status.set("Package", package.name);
  status.set("Status", "install ok installed");
  for (const auto& [name, value] : control.fields()) {
    if (name == "Package" || name == "Status" || name == "Conffiles") continue;
    status.set(name, value);
  }
  if (!package.control_files.conffiles.empty()) {
    std::string conffiles;
    for (const auto& conffile : package.control_files.conffiles)
      conffiles += "\n" + conffile + " " + conffile_md5(conffile, tree);
    // Place it where dpkg does: before Description.
    ControlStanza ordered;
    bool placed = false;
    for (const auto& [name, value] : status.fields()) {
      if (!placed && name == "Description") {
        ordered.set("Conffiles", conffiles);
        placed = true;
      }
      ordered.set(name, value);
    }
    if (!placed) ordered.set("Conffiles", conffiles);
    status = std::move(ordered);
  }
  return status.to_string();
}

void write_dpkg_database(StagingTree& tree, const std::vector<UnpackedPackage>& packages) {
  const std::string context = "dpkg database";
  const std::string admin = "var/lib/dpkg";
  for (const char* directory : {"var", "var/lib", "var/lib/dpkg", "var/lib/dpkg/info", "var/lib/dpkg/updates",
                                "var/lib/dpkg/triggers", "var/lib/dpkg/alternatives"})
    tree.make_directory(directory, kDirectory, context);

  std::vector<const UnpackedPackage*> sorted;
  for (const auto& package : packages) sorted.push_back(&package);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) {
    return std::tie(a->name, a->architecture) < std::tie(b->name, b->architecture);
  });
  std::string status;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const UnpackedPackage& package = *sorted[i];
    if (package.name.empty()) throw Error(context + ": a package without a name");
    if (i > 0 && sorted[i - 1]->name == package.name && sorted[i - 1]->architecture == package.architecture)
      throw Error(context + ": package " + package.name + " is installed twice");
    if (!status.empty()) status += "\n";
    status += dpkg_status_stanza(package, tree);

    const std::string info = admin + "/info/" + dpkg_info_name(package);
    std::string list;
    for (const auto& path : package.listed_paths) list += path + "\n";
    tree.write_file(info + ".list", list, kFile, context);
    if (!package.control_files.md5sums.empty())
      tree.write_file(info + ".md5sums", package.control_files.md5sums, kFile, context);
    if (!package.control_files.conffiles.empty()) {
      std::string conffiles;
      for (const auto& conffile : package.control_files.conffiles) conffiles += conffile + "\n";
      tree.write_file(info + ".conffiles", conffiles, kFile, context);
    }
  }
  tree.write_file(admin + "/status", status, kFile, context);
  tree.write_file(admin + "/info/format", "1\n", kFile, context);
}

}  // namespace nanoforge::rootfs
