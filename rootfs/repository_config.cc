#include "rootfs/repository_config.h"

#include <algorithm>

#include "base/error.h"

namespace nanoforge::rootfs {

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_security_suite(std::string_view suite) {
  return ends_with(suite, "-security") || ends_with(suite, "/updates");
}

bool is_binary(const AptSource& source) {
  return std::find(source.types.begin(), source.types.end(), "deb") != source.types.end();
}

// A third-party repository (nodesource, cloud SDKs) must never stand in for Debian's.
bool is_debian_archive(const AptSource& source) {
  return source.signed_by.empty() || source.signed_by.find("debian-archive") != std::string::npos;
}

std::string family_mirror(const std::vector<AptSource>& sources, const std::string& suite) {
  if (is_security_suite(suite)) {
    for (const auto& source : sources)
      if (is_binary(source) && is_debian_archive(source) && !source.uris.empty() &&
          std::any_of(source.suites.begin(), source.suites.end(),
                      [](const std::string& s) { return is_security_suite(s); }))
        return source.uris.front();
    return {};
  }
  std::string base = suite.substr(0, suite.find('-'));
  if (auto mirror = mirror_for_suite(sources, base); !mirror.empty()) return mirror;
  for (const auto& source : sources)
    if (is_binary(source) && is_debian_archive(source) && !source.uris.empty() &&
        std::any_of(source.suites.begin(), source.suites.end(),
                    [](const std::string& s) { return !is_security_suite(s); }))
      return source.uris.front();
  return {};
}

}  // namespace

std::vector<std::string> default_suites() {
  return {"bookworm", "bookworm-updates", "bookworm-security"};
}

std::string native_architecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "i386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64el";
#elif defined(__s390x__)
  return "s390x";
#else
  return "amd64";
#endif
}

RepositoryConfig repository_config_from_sources(const std::vector<AptSource>& sources,
                                                const std::vector<std::string>& suites,
                                                const std::string& sources_description) {
  RepositoryConfig config;
  config.architecture = native_architecture();
  for (const auto& suite : suites.empty() ? default_suites() : suites) {
    if (suite == "stable" || suite == "oldstable" || suite == "testing")
      throw Error("suite '" + suite + "': name the release by its codename (e.g. bookworm), "
                  "so a new Debian release never changes what is built");
    std::string mirror = mirror_for_suite(sources, suite);
    if (mirror.empty()) mirror = family_mirror(sources, suite);
    if (mirror.empty())
      throw Error("no Debian mirror for suite '" + suite + "' in " + sources_description +
                  ": add a 'deb' source for it, or set the mirror in the spec");
    config.suites.push_back({suite, mirror});
  }
  return config;
}

RepositoryConfig default_repository_config(const std::vector<std::string>& suites,
                                           const std::filesystem::path& apt_directory) {
  auto description = (apt_directory / "sources.list").string() + " and " +
                     (apt_directory / "sources.list.d").string() + "/*.{list,sources}";
  return repository_config_from_sources(read_apt_sources(apt_directory), suites, description);
}

}  // namespace nanoforge::rootfs
