// A suite's signed InRelease: fetched, its OpenPGP signature checked by gpgv against the
// Debian archive keyring, and only then parsed. Nothing in it is trusted before that.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rootfs/repository_config.h"

namespace nanoforge::rootfs {

struct ReleaseFileEntry {
  std::string sha256;  // lowercase hex
  std::uint64_t size = 0;
};

struct Release {
  std::string origin;
  std::string suite;     // "oldstable-security"
  std::string codename;  // "bookworm-security"
  std::chrono::system_clock::time_point date{};
  std::optional<std::chrono::system_clock::time_point> valid_until;
  bool acquire_by_hash = false;
  std::vector<std::string> architectures;
  std::vector<std::string> components;
  std::map<std::string, ReleaseFileEntry> sha256;  // "main/binary-amd64/Packages.xz" -> hash, size
};

// Runs `gpgv --keyring <keyring>` on a signed InRelease and returns the text the signature
// covers (gpgv's own output, so nothing outside the signed block is ever read). Throws
// nanoforge::Error naming `source` and gpgv's complaint when the signature is missing,
// bad, or made by a key not in the keyring.
std::string verify_signed_release(const std::string& inrelease, const std::filesystem::path& keyring,
                                  const std::string& source);

// Parses verified Release text; `source` names it in errors (missing SHA256, bad line).
Release parse_release(std::string_view text, const std::string& source);

// Refuses a release that is not the requested suite (Codename or Suite must equal
// `expected_suite`) or whose Valid-Until lies before `now`.
void check_release(const Release& release, const std::string& expected_suite,
                   std::chrono::system_clock::time_point now, const std::string& source);

// "<mirror>/dists/<suite>/InRelease", joined as archive_url() does (a mirror with a trailing
// '/' gives no "//"). Throws nanoforge::Error naming the mirror when it is not a URL.
std::string inrelease_url(const SuiteSource& suite);

// Fetches, verifies, parses and checks one suite's InRelease.
Release fetch_release(const SuiteSource& suite, const std::filesystem::path& keyring);

// Parses an RFC 2822 date as Release files write it ("Sat, 11 Jul 2026 10:16:37 UTC").
std::chrono::system_clock::time_point parse_release_date(const std::string& text,
                                                         const std::string& source);

}  // namespace nanoforge::rootfs
