#include "venv/elf.h"

#include <elf.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "base/atomic_file.h"
#include "base/error.h"

namespace nanoforge::venv {
namespace {

// The file's bytes plus bounds-checked views of its headers.
class ElfImage {
 public:
  explicit ElfImage(const std::filesystem::path& path) : path_(path), bytes_(read_file(path)) {
    if (bytes_.size() < sizeof(Elf64_Ehdr) || std::memcmp(bytes_.data(), ELFMAG, SELFMAG) != 0)
      fail("not an ELF file");
    if (bytes_[EI_CLASS] != ELFCLASS64 || bytes_[EI_DATA] != ELFDATA2LSB)
      fail("not a little-endian ELF64 file");
    header_ = at<Elf64_Ehdr>(0);
    for (unsigned i = 0; i < header_.e_phnum; ++i)
      program_headers_.push_back(at<Elf64_Phdr>(header_.e_phoff + i * sizeof(Elf64_Phdr)));
    for (const auto& ph : program_headers_) {
      if (ph.p_type != PT_DYNAMIC) continue;
      for (std::uint64_t off = 0; off + sizeof(Elf64_Dyn) <= ph.p_filesz; off += sizeof(Elf64_Dyn)) {
        auto entry = at<Elf64_Dyn>(ph.p_offset + off);
        if (entry.d_tag == DT_NULL) break;
        dynamic_.push_back({entry, ph.p_offset + off});
      }
    }
    if (dynamic_.empty()) return;
    std::uint64_t strtab_address = 0;
    bool have_strtab = false;
    for (const auto& [entry, offset] : dynamic_) {
      if (entry.d_tag == DT_STRTAB) strtab_address = entry.d_un.d_ptr, have_strtab = true;
      if (entry.d_tag == DT_STRSZ) strtab_size_ = entry.d_un.d_val;
    }
    if (!have_strtab) fail("dynamic section has no DT_STRTAB");
    strtab_offset_ = file_offset(strtab_address);
    if (strtab_offset_ + strtab_size_ > bytes_.size()) fail("DT_STRSZ runs past the end of the file");
  }

  bool has_dynamic() const { return !dynamic_.empty(); }
  const auto& dynamic() const { return dynamic_; }

  // The NUL-terminated dynamic string at `index` in .dynstr.
  std::string dynamic_string(std::uint64_t index) const {
    if (index >= strtab_size_) fail("dynamic string index " + std::to_string(index) + " out of range");
    const char* start = bytes_.data() + strtab_offset_ + index;
    std::size_t limit = strtab_size_ - index;
    std::size_t length = strnlen(start, limit);
    if (length == limit) fail("unterminated dynamic string");
    return std::string(start, length);
  }

  // Offsets into .dynstr used by anything other than the dynamic entry at `except_offset`:
  // other dynamic entries, dynamic symbols and symbol-version names.
  std::vector<std::uint64_t> other_string_references(std::uint64_t except_offset) const {
    std::vector<std::uint64_t> refs;
    for (const auto& [entry, offset] : dynamic_) {
      if (offset == except_offset) continue;
      switch (entry.d_tag) {
        case DT_NEEDED: case DT_SONAME: case DT_RPATH: case DT_RUNPATH: case DT_AUXILIARY: case DT_FILTER:
          refs.push_back(entry.d_un.d_val);
          break;
        default: break;
      }
    }
    if (header_.e_shoff == 0) return refs;
    for (unsigned i = 0; i < header_.e_shnum; ++i) {
      auto section = at<Elf64_Shdr>(header_.e_shoff + i * sizeof(Elf64_Shdr));
      if (section.sh_offset == 0) continue;
      if (section.sh_type == SHT_DYNSYM) {
        for (std::uint64_t off = 0; off + sizeof(Elf64_Sym) <= section.sh_size; off += sizeof(Elf64_Sym))
          refs.push_back(at<Elf64_Sym>(section.sh_offset + off).st_name);
      } else if (section.sh_type == SHT_GNU_verneed) {
        std::uint64_t need = section.sh_offset;
        for (unsigned n = 0; n < section.sh_info; ++n) {
          auto verneed = at<Elf64_Verneed>(need);
          refs.push_back(verneed.vn_file);
          std::uint64_t aux = need + verneed.vn_aux;
          for (unsigned a = 0; a < verneed.vn_cnt; ++a) {
            auto vernaux = at<Elf64_Vernaux>(aux);
            refs.push_back(vernaux.vna_name);
            if (vernaux.vna_next == 0) break;
            aux += vernaux.vna_next;
          }
          if (verneed.vn_next == 0) break;
          need += verneed.vn_next;
        }
      } else if (section.sh_type == SHT_GNU_verdef) {
        std::uint64_t def = section.sh_offset;
        for (unsigned n = 0; n < section.sh_info; ++n) {
          auto verdef = at<Elf64_Verdef>(def);
          std::uint64_t aux = def + verdef.vd_aux;
          for (unsigned a = 0; a < verdef.vd_cnt; ++a) {
            auto verdaux = at<Elf64_Verdaux>(aux);
            refs.push_back(verdaux.vda_name);
            if (verdaux.vda_next == 0) break;
            aux += verdaux.vda_next;
          }
          if (verdef.vd_next == 0) break;
          def += verdef.vd_next;
        }
      }
    }
    return refs;
  }

  char* string_bytes(std::uint64_t index) { return bytes_.data() + strtab_offset_ + index; }
  const std::string& bytes() const { return bytes_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("ELF file " + path_.string() + ": " + what);
  }

 private:
  template <typename T>
  T at(std::uint64_t offset) const {
    if (offset > bytes_.size() || bytes_.size() - offset < sizeof(T))
      fail("header at offset " + std::to_string(offset) + " runs past the end of the file");
    T value;
    std::memcpy(&value, bytes_.data() + offset, sizeof(T));
    return value;
  }

  // Maps a virtual address to its file offset through the PT_LOAD segments.
  std::uint64_t file_offset(std::uint64_t address) const {
    for (const auto& ph : program_headers_)
      if (ph.p_type == PT_LOAD && address >= ph.p_vaddr && address < ph.p_vaddr + ph.p_filesz)
        return address - ph.p_vaddr + ph.p_offset;
    fail("address " + std::to_string(address) + " is in no loadable segment");
  }

  std::filesystem::path path_;
  std::string bytes_;
  Elf64_Ehdr header_{};
  std::vector<Elf64_Phdr> program_headers_;
  std::vector<std::pair<Elf64_Dyn, std::uint64_t>> dynamic_;  // entry and its file offset
  std::uint64_t strtab_offset_ = 0;
  std::uint64_t strtab_size_ = 0;
};

}  // namespace

bool is_elf_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[SELFMAG] = {};
  return in.read(magic, SELFMAG) && std::memcmp(magic, ELFMAG, SELFMAG) == 0;
}

ElfDynamicInfo read_elf_dynamic(const std::filesystem::path& path) {
  ElfImage image(path);
  ElfDynamicInfo info;
  info.has_dynamic = image.has_dynamic();
  for (const auto& [entry, offset] : image.dynamic()) {
    switch (entry.d_tag) {
      case DT_NEEDED: info.needed.push_back(image.dynamic_string(entry.d_un.d_val)); break;
      case DT_SONAME: info.soname = image.dynamic_string(entry.d_un.d_val); break;
      case DT_RUNPATH: info.runpath = image.dynamic_string(entry.d_un.d_val); break;
      case DT_RPATH: info.rpath = image.dynamic_string(entry.d_un.d_val); break;
      default: break;
    }
  }
  return info;
}

void set_elf_runpath(const std::filesystem::path& path, const std::string& runpath) {
  ElfImage image(path);
  const std::pair<Elf64_Dyn, std::uint64_t>* target = nullptr;
  for (const auto& item : image.dynamic())
    if (item.first.d_tag == DT_RUNPATH) target = &item;
  if (!target)
    for (const auto& item : image.dynamic())
      if (item.first.d_tag == DT_RPATH) target = &item;
  if (!target) image.fail("has no DT_RUNPATH or DT_RPATH to rewrite");
  std::uint64_t index = target->first.d_un.d_val;
  std::string old = image.dynamic_string(index);
  if (runpath.size() > old.size())
    image.fail("new run path \"" + runpath + "\" is longer than the old \"" + old +
               "\" (only in-place rewrites are supported)");
  // Linkers merge string tails: a symbol named like the end of the old run path would be
  // corrupted by overwriting it.
  for (std::uint64_t ref : image.other_string_references(target->second))
    if (ref >= index && ref <= index + old.size())
      image.fail("the run path's bytes are shared with another dynamic string; cannot rewrite in place");
  char* bytes = image.string_bytes(index);
  std::memset(bytes, 0, old.size());
  std::memcpy(bytes, runpath.data(), runpath.size());

  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw_system_error("stat", path.string());
  AtomicFile out(path, info.st_mode & 07777);
  out.write(image.bytes());
  out.commit();
}

std::string relocated_runpath(const std::string& runpath, const std::filesystem::path& old_root,
                              const std::filesystem::path& file_dir_in_root) {
  std::vector<std::string> kept;
  std::size_t start = 0;
  while (start <= runpath.size()) {
    std::size_t end = runpath.find(':', start);
    if (end == std::string::npos) end = runpath.size();
    std::string component = runpath.substr(start, end - start);
    start = end + 1;
    std::string result;
    if (component.rfind("$ORIGIN", 0) == 0 || component.rfind("${ORIGIN}", 0) == 0) {
      result = component;
    } else if (!component.empty() && component.front() == '/') {
      auto inside = std::filesystem::path(component).lexically_normal().lexically_relative(
          old_root.lexically_normal());
      if (inside.empty() || *inside.begin() == "..") continue;
      auto relative = inside.lexically_relative(file_dir_in_root);
      result = relative == "." ? "$ORIGIN" : "$ORIGIN/" + relative.generic_string();
      while (result.size() > 1 && result.back() == '/') result.pop_back();
    }
    if (!result.empty() && std::find(kept.begin(), kept.end(), result) == kept.end())
      kept.push_back(result);
  }
  std::string joined;
  for (const auto& component : kept) joined += (joined.empty() ? "" : ":") + component;
  return joined;
}

}  // namespace nanoforge::venv
