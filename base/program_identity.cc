#include "base/program_identity.h"

#include <elf.h>
#include <link.h>

#include <cstring>

namespace nanoforge {

namespace {

// The first object dl_iterate_phdr reports is the executable itself.
int find_build_id(struct dl_phdr_info* info, size_t, void* data) {
  auto* result = static_cast<std::string*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = info->dlpi_phdr[i];
    if (header.p_type != PT_NOTE) continue;
    const char* note = reinterpret_cast<const char*>(info->dlpi_addr + header.p_vaddr);
    const char* end = note + header.p_memsz;
    while (note + sizeof(ElfW(Nhdr)) <= end) {
      const auto* entry = reinterpret_cast<const ElfW(Nhdr)*>(note);
      const char* name = note + sizeof(ElfW(Nhdr));
      const char* descriptor = name + ((entry->n_namesz + 3) & ~3u);
      if (descriptor + entry->n_descsz > end) break;
      if (entry->n_type == NT_GNU_BUILD_ID && entry->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
        static const char* hex = "0123456789abcdef";
        for (unsigned j = 0; j < entry->n_descsz; ++j) {
          auto byte = static_cast<unsigned char>(descriptor[j]);
          *result += hex[byte >> 4];
          *result += hex[byte & 15];
        }
        return 1;
      }
      note = descriptor + ((entry->n_descsz + 3) & ~3u);
    }
  }
  return 1;  // only the executable
}

}  // namespace

const std::string& program_build_id() {
  static const std::string id = [] {
    std::string found;
    dl_iterate_phdr(find_build_id, &found);
    return found;
  }();
  return id;
}

}  // namespace nanoforge
