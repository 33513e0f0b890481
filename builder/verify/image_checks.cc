// Checks that look inside the images: no system Python, size budgets, the image config,
// and that the venv layers of the full image hold exactly the files of ./venv.
#include <algorithm>
#include <set>

#include "builder/verify/verify.h"
#include "base/human_bytes.h"
#include "base/error.h"
#include "oci/layer_entry.h"
#include "oci/layer_reader.h"
#include "rootfs/control.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kPathDirectories = {"usr/local/sbin", "usr/local/bin", "usr/sbin",
                                                   "usr/bin",        "sbin",          "bin"};

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Why `path` counts as a system Python, or "" when it does not.
std::string python_reason(const std::string& path) {
  auto name = base_name(path);
  auto parent = parent_of(path);
  if (name.starts_with("python") &&
      std::find(kPathDirectories.begin(), kPathDirectories.end(), parent) != kPathDirectories.end())
    return "a python executable on PATH";
  if (name.starts_with("libpython")) return "a libpython library";
  for (const char* stdlib : {"usr/lib/python3", "usr/local/lib/python3", "lib/python3"})
    if (path.starts_with(stdlib)) return "a Python standard library directory";
  return "";
}

fs::path blob_path(const oci::Layout& layout, const oci::Descriptor& layer) {
  return layout.blobs().path_of(layer.digest);
}

void check_no_python(const std::string& check_name, const oci::Image& image, const oci::Layout& layout,
                     bool allow_venv, VerifyReport& report) {
  std::vector<std::string> offenders;
  std::size_t files = 0;
  for (const auto& layer : image.layers)
    oci::for_each_layer_member(blob_path(layout, layer), [&](const oci::LayerMember& member) {
      ++files;
      if (allow_venv && (member.path == "opt/venv" || member.path.starts_with("opt/venv/"))) return;
      auto reason = python_reason(member.path);
      if (!reason.empty()) offenders.push_back("/" + member.path + " (" + reason + ")");
    });
  // The dpkg database of the last layer that has one.
  std::optional<std::string> status;
  for (auto it = image.layers.rbegin(); it != image.layers.rend() && !status; ++it)
    status = oci::read_layer_file(blob_path(layout, *it), "var/lib/dpkg/status");
  std::size_t packages = 0;
  if (status)
    for (const auto& stanza : rootfs::parse_control(*status, "/var/lib/dpkg/status")) {
      ++packages;
      auto name = stanza.get_or("Package", "");
      if (name.starts_with("python") || name.starts_with("libpython"))
        offenders.push_back("Debian package " + name + " in /var/lib/dpkg/status");
    }
  CheckResult result{check_name, CheckResult::Status::Pass,
                     std::to_string(files) + " files, " + std::to_string(packages) + " packages scanned", ""};
  if (!offenders.empty()) {
    result.status = CheckResult::Status::Fail;
    for (std::size_t i = 0; i < offenders.size() && i < 10; ++i) result.detail += (i ? "; " : "") + offenders[i];
    if (offenders.size() > 10) result.detail += "; and " + std::to_string(offenders.size() - 10) + " more";
  }
  report.checks.push_back(result);
}

// Unpacked size: the bytes of the image's files (hard links once), as `docker images`
// reports an image's size; compressed size: the layer blobs as a registry stores them.
void check_sizes(const std::string& reference, const oci::Image& image, const oci::Layout& layout,
                 const Budgets& budgets, VerifyReport& report) {
  std::uint64_t unpacked = 0, compressed = 0;
  for (const auto& layer : image.layers) {
    oci::for_each_layer_member(blob_path(layout, layer), [&](const oci::LayerMember& member) {
      if (member.type == oci::EntryType::Regular) unpacked += member.size;
    });
    compressed += layer.size;
  }
  auto budget_text = [](std::uint64_t value, std::uint64_t budget) {
    return human_bytes(value) + (budget ? " of " + human_bytes(budget) : " (no budget)");
  };
  CheckResult result{"size-budget " + reference, CheckResult::Status::Pass,
                     budget_text(unpacked, budgets.runtime_uncompressed) + " unpacked, " +
                         budget_text(compressed, budgets.runtime_compressed) + " compressed",
                     ""};
  if (budgets.runtime_uncompressed && unpacked > budgets.runtime_uncompressed)
    result.detail = reference + " is " + human_bytes(unpacked) + " unpacked, over its budget of " +
                    human_bytes(budgets.runtime_uncompressed);
  if (budgets.runtime_compressed && compressed > budgets.runtime_compressed)
    result.detail += std::string(result.detail.empty() ? "" : "; ") + reference + " is " + human_bytes(compressed) +
                     " compressed, over its budget of " + human_bytes(budgets.runtime_compressed);
  if (!result.detail.empty()) result.status = CheckResult::Status::Fail;
  report.checks.push_back(result);
}

void check_config(const std::string& reference, const oci::Image& image, int port, VerifyReport& report) {
  const auto config = image.config_json.value("config", nlohmann::json::object());
  std::vector<std::string> problems;
  auto user = config.value("User", "");
  if (user.empty() || user == "0" || user == "root" || user.starts_with("0:") || user.starts_with("root:"))
    problems.push_back("runs as root (User is '" + user + "')");
  bool has_home = false;
  for (const auto& variable : config.value("Env", nlohmann::json::array()))
    has_home = has_home || variable.get<std::string>().starts_with("HOME=");
  if (!has_home) problems.push_back("no HOME in Env");
  if (config.value("Entrypoint", nlohmann::json::array()).empty()) problems.push_back("no Entrypoint");
  auto port_key = std::to_string(port) + "/tcp";
  if (!config.value("ExposedPorts", nlohmann::json::object()).contains(port_key))
    problems.push_back("port " + port_key + " is not exposed");
  if (!config.contains("Healthcheck") || config["Healthcheck"].value("Test", nlohmann::json::array()).empty())
    problems.push_back("no Healthcheck");
  CheckResult result{"image-config " + reference, CheckResult::Status::Pass,
                     "user " + user + ", port " + port_key, ""};
  if (!problems.empty()) {
    result.status = CheckResult::Status::Fail;
    for (const auto& problem : problems) result.detail += (result.detail.empty() ? "" : "; ") + problem;
  }
  report.checks.push_back(result);
}

// The venv layers must hold exactly what ./venv holds: same paths, types and sizes.
void check_venv_layers(const std::string& reference, const oci::Image& image, const oci::Layout& layout,
                       const fs::path& venv_dir, VerifyReport& report) {
  std::map<std::string, std::string> in_image, on_disk;
  auto describe = [](oci::EntryType type, std::uint64_t size, const std::string& target) {
    switch (type) {
      case oci::EntryType::Directory: return std::string("directory");
      case oci::EntryType::Symlink: return "symlink to " + target;
      default: return "file of " + std::to_string(size) + " bytes";
    }
  };
  for (const auto& layer : image.layers)
    oci::for_each_layer_member(blob_path(layout, layer), [&](const oci::LayerMember& member) {
      if (!member.path.starts_with("opt/venv/")) return;
      auto size = member.size;
      auto type = member.type;
      if (type == oci::EntryType::Hardlink) type = oci::EntryType::Regular, size = 0;
      in_image[member.path.substr(9)] = describe(type, type == oci::EntryType::Regular ? size : 0, member.link_target);
    });
  for (const auto& entry : oci::scan_directory(venv_dir, "")) {
    auto type = entry.type == oci::EntryType::Hardlink ? oci::EntryType::Regular : entry.type;
    on_disk[entry.path] = describe(type, entry.type == oci::EntryType::Regular ? entry.size : 0, entry.link_target);
  }
  // Hard links carry no size in the tar; compare them by presence only.
  for (auto& [path, what] : in_image)
    if (what == "file of 0 bytes" && on_disk.count(path) && on_disk[path].starts_with("file of")) what = on_disk[path];
  std::vector<std::string> differences;
  for (const auto& [path, what] : on_disk) {
    auto found = in_image.find(path);
    if (found == in_image.end()) differences.push_back("/opt/venv/" + path + " missing from the image");
    else if (found->second != what) differences.push_back("/opt/venv/" + path + ": " + found->second + " in the image, " + what + " in " + venv_dir.string());
  }
  for (const auto& [path, what] : in_image)
    if (!on_disk.count(path)) differences.push_back("/opt/venv/" + path + " is in the image but not in " + venv_dir.string());
  CheckResult result{"venv-layers " + reference, CheckResult::Status::Pass,
                     std::to_string(on_disk.size()) + " entries match " + venv_dir.string(), ""};
  if (!differences.empty()) {
    result.status = CheckResult::Status::Fail;
    for (std::size_t i = 0; i < differences.size() && i < 10; ++i) result.detail += (i ? "; " : "") + differences[i];
    if (differences.size() > 10) result.detail += "; and " + std::to_string(differences.size() - 10) + " more";
  }
  report.checks.push_back(result);
}

}  // namespace

void check_images(const VerifyTarget& target, const oci::Layout& layout, VerifyReport& report, const fs::path& scratch) {
  if (target.runtime_image) {
    auto reference = target.runtime_image->str();
    auto image = layout.load(*target.runtime_image);
    check_no_python("no-system-python " + reference, image, layout, false, report);
    check_sizes(reference, image, layout, target.budgets, report);
    check_config(reference, image, target.port, report);
    // The runtime's files, for the ELF closure of the venv against them.
    for (const auto& layer : image.layers) oci::extract_layer(blob_path(layout, layer), scratch / "runtime-root");
  }
  if (target.full_image) {
    auto reference = target.full_image->str();
    auto image = layout.load(*target.full_image);
    check_no_python("no-system-python " + reference + " (outside /opt/venv)", image, layout, true, report);
    check_config(reference, image, target.port, report);
    if (!target.venv_dir.empty() && fs::is_directory(target.venv_dir))
      check_venv_layers(reference, image, layout, target.venv_dir, report);
  }
}

}  // namespace nanoforge::builder
