#include "rootfs/unpack.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/error.h"

namespace nanoforge::rootfs {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMergedDirectories[] = {"bin", "sbin", "lib", "lib64"};

bool is_merged_top(const std::string& path) {
  for (const char* top : kMergedDirectories)
    if (path == top) return true;
  return false;
}

void unpack_entry(const DataEntry& entry, std::string_view content, StagingTree& tree,
                  const std::string& context) {
  const std::string target = merged_usr_path(entry.path);
  const std::string where = context + ": '" + entry.path + "'";
  const FileMetadata metadata{entry.mode, entry.uid, entry.gid};
  if (target.empty()) return;  // "./": the root exists already
  if (is_merged_top(target)) {
    // bookworm's base-files ships ./bin/ and ./lib/ as directories; under merged-/usr they
    // are the symlinks into usr/, which stay. trixie's ships the symlinks themselves, the
    // same ones create_merged_usr_layout made: nothing to do either.
    if (entry.type == oci::EntryType::Directory) return;
    if (entry.type == oci::EntryType::Symlink &&
        (entry.link_target == "usr/" + target || entry.link_target == "/usr/" + target))
      return;
    throw Error(where + ": " +
                (entry.type == oci::EntryType::Symlink ? "a symlink to '" + entry.link_target + "'"
                                                       : std::string("a non-directory")) +
                " at '" + target + "' would replace the merged-/usr symlink to 'usr/" + target + "'");
  }
  switch (entry.type) {
    case oci::EntryType::Directory: {
      std::string resolved = tree.resolve(target, context);
      // dpkg keeps an existing symlink where a package ships a directory; what is later
      // written below it is resolved (and checked) through it.
      if (tree.type_of(resolved) == fs::file_type::symlink) return;
      tree.make_directory(resolved, metadata, context);
      return;
    }
    case oci::EntryType::Regular:
      tree.write_file(target, content, metadata, context);
      return;
    case oci::EntryType::Symlink:
      tree.make_symlink(target, entry.link_target, context);
      return;
    case oci::EntryType::Hardlink:
      tree.make_hardlink(target, merged_usr_path(entry.link_target), context);
      return;
  }
}

}  // namespace

void create_merged_usr_layout(StagingTree& tree) {
  const std::string context = "merged-/usr layout";
  tree.make_directory("usr", {0755, 0, 0}, context);
  for (const char* top : kMergedDirectories) {
    std::string inside = std::string("usr/") + top;
    tree.make_directory(inside, {0755, 0, 0}, context);
    tree.make_symlink(top, inside, context);
  }
}

namespace {

// A package read whole into memory: what a worker thread hands to the unpacking thread.
struct ReadEntry {
  DataEntry entry;
  bool excluded = false;  // by a slimming rule: listed, never written
  std::string content;    // regular files that are not excluded
};
struct ReadPackage {
  DebControlFiles control_files;
  std::vector<ReadEntry> entries;
};

bool excluded_by(const std::vector<SlimRule>& exclusions, const DataEntry& entry) {
  return entry.type != oci::EntryType::Directory && !exclusions.empty() &&
         is_excluded(exclusions, merged_usr_path(entry.path));
}

// Decompresses the package (the costly part: xz) without touching the tree.
ReadPackage read_package(const fs::path& deb, const std::vector<SlimRule>& exclusions) {
  ReadPackage package;
  auto visitor = [&](const DataEntry& entry, EntryContent& content) {
    ReadEntry read{entry, excluded_by(exclusions, entry), {}};
    if (entry.type == oci::EntryType::Regular && !read.excluded) {
      read.content.resize(entry.size);
      std::size_t filled = 0;
      while (filled < read.content.size()) {
        std::size_t got = content.read(read.content.data() + filled, read.content.size() - filled);
        if (got == 0) break;
        filled += got;
      }
      if (filled != entry.size)
        throw Error(deb.string() + ": '" + entry.path + "': the archive said " + std::to_string(entry.size) +
                    " bytes but held " + std::to_string(filled) + " (truncated?)");
    }
    package.entries.push_back(std::move(read));
  };
  package.control_files = read_deb(deb, visitor);
  return package;
}

// Writes a package read by read_package into the tree, in archive order.
UnpackedPackage apply_package(const fs::path& deb, ReadPackage& read, StagingTree& tree) {
  UnpackedPackage package;
  package.name = read.control_files.control.get_or("Package", "");
  package.architecture = read.control_files.control.get_or("Architecture", "");
  const std::string context = "package " + package.name + " (" + deb.filename().string() + ")";
  std::set<std::string> excluded_paths;  // for hard links, which name an earlier entry of the package
  for (auto& [entry, excluded_entry, content] : read.entries) {
    package.listed_paths.push_back(entry.path.empty() ? "/." : "/" + entry.path);
    if (excluded_entry) {
      if (entry.type == oci::EntryType::Regular) package.excluded_bytes += entry.size;
      excluded_paths.insert(merged_usr_path(entry.path));
      continue;
    }
    if (entry.type == oci::EntryType::Hardlink && excluded_paths.count(merged_usr_path(entry.link_target)))
      throw Error(context + ": '" + entry.path + "' is a hard link to '" + entry.link_target +
                  "', which a slimming rule excludes; include both or neither");
    unpack_entry(entry, content, tree, context);
    std::string().swap(content);  // the tree has it now
  }
  package.control_files = std::move(read.control_files);
  return package;
}

}  // namespace

UnpackedPackage unpack_deb(const fs::path& deb, StagingTree& tree, const std::vector<SlimRule>& exclusions) {
  ReadPackage read = read_package(deb, exclusions);
  return apply_package(deb, read, tree);
}

std::vector<UnpackedPackage> unpack_debs(const std::vector<fs::path>& debs, StagingTree& tree,
                                         const std::vector<SlimRule>& exclusions,
                                         const std::function<void(std::size_t)>& on_unpacked) {
  // Workers read packages ahead, at most `window` of them in memory; this thread writes them
  // into the tree strictly in the given order, so a later package replaces an earlier one's
  // file exactly as a serial unpack does, and the first error in that order is the one thrown.
  const std::size_t workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  const std::size_t window = 2 * workers;
  std::vector<std::optional<ReadPackage>> ready(debs.size());
  std::vector<std::exception_ptr> failures(debs.size());
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t next_to_read = 0, next_to_apply = 0;
  bool stopping = false;

  auto work = [&] {
    for (;;) {
      std::size_t index;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stopping || next_to_read >= debs.size() || next_to_read < next_to_apply + window; });
        if (stopping || next_to_read >= debs.size()) return;
        index = next_to_read++;
      }
      std::optional<ReadPackage> read;
      std::exception_ptr failure;
      try {
        read = read_package(debs[index], exclusions);
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard lock(mutex);
      ready[index] = std::move(read);
      failures[index] = failure;
      changed.notify_all();
    }
  };
  std::vector<std::jthread> threads;
  for (std::size_t i = 0; i < workers; ++i) threads.emplace_back(work);
  auto stop = [&] {
    std::lock_guard lock(mutex);
    stopping = true;
    changed.notify_all();
  };

  std::vector<UnpackedPackage> unpacked;
  try {
    for (std::size_t index = 0; index < debs.size(); ++index) {
      ReadPackage read;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return ready[index].has_value() || failures[index]; });
        if (failures[index]) std::rethrow_exception(failures[index]);
        read = std::move(*ready[index]);
        ready[index].reset();
        next_to_apply = index + 1;
        changed.notify_all();
      }
      unpacked.push_back(apply_package(debs[index], read, tree));
      if (on_unpacked) on_unpacked(index + 1);
    }
  } catch (...) {
    stop();
    throw;  // the jthreads join as they go out of scope
  }
  stop();
  return unpacked;
}

}  // namespace nanoforge::rootfs
