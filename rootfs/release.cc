#include "rootfs/release.h"

#include <stdlib.h>
#include <time.h>

#include <cstring>
#include <sstream>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/http_download.h"
#include "base/subprocess.h"
#include "rootfs/archive_url.h"
#include "rootfs/control.h"

namespace nanoforge::rootfs {

namespace {

namespace fs = std::filesystem;

// A private directory for gpgv's input, output and home, removed on scope exit.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/nanoforge-gpgv-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw_system_error("cannot create a directory", pattern);
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::string format_date(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

}  // namespace

std::string verify_signed_release(const std::string& inrelease, const fs::path& keyring,
                                  const std::string& source) {
  if (!fs::exists(keyring))
    throw Error("cannot verify " + source + ": keyring " + keyring.string() +
                " does not exist (install the debian-archive-keyring package)");
  if (inrelease.rfind("-----BEGIN PGP SIGNED MESSAGE-----", 0) != 0)
    throw Error(source + " is not a signed InRelease: it does not start with "
                "'-----BEGIN PGP SIGNED MESSAGE-----'");
  ScratchDirectory scratch;
  write_file_atomically(scratch.path() / "InRelease", inrelease);
  fs::path output = scratch.path() / "signed-text";
  ProcessOptions options;
  options.environment["GNUPGHOME"] = scratch.path().string();
  options.environment["LC_ALL"] = "C";
  options.timeout_seconds = 120;
  auto result = run_process({"gpgv", "--status-fd", "1", "--weak-digest", "SHA1", "--keyring",
                             keyring.string(), "--output", output.string(),
                             (scratch.path() / "InRelease").string()},
                            options);
  bool good = result.output.find("[GNUPG:] GOODSIG") != std::string::npos &&
              result.output.find("[GNUPG:] VALIDSIG") != std::string::npos;
  bool bad = result.output.find("[GNUPG:] BADSIG") != std::string::npos ||
             result.output.find("[GNUPG:] ERRSIG") != std::string::npos ||
             result.output.find("[GNUPG:] NO_PUBKEY") != std::string::npos;
  if (!result.ok() || !good || bad) {
    std::string complaint = result.errors.empty() ? result.output : result.errors;
    while (!complaint.empty() && complaint.back() == '\n') complaint.pop_back();
    throw Error("the OpenPGP signature of " + source + " is not valid against " +
                keyring.string() + " (gpgv exit " + std::to_string(result.exit_code) +
                "): " + complaint);
  }
  return read_file(output);
}

std::chrono::system_clock::time_point parse_release_date(const std::string& text,
                                                         const std::string& source) {
  std::tm parts{};
  const char* rest = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &parts);
  if (!rest) rest = ::strptime(text.c_str(), "%d %b %Y %H:%M:%S", &parts);
  if (!rest) throw Error(source + ": cannot read the date '" + text + "'");
  std::string zone = split_words(rest).empty() ? "UTC" : split_words(rest).front();
  if (zone != "UTC" && zone != "GMT" && zone != "+0000" && zone != "Z")
    throw Error(source + ": the date '" + text + "' is not in UTC");
  return std::chrono::system_clock::from_time_t(::timegm(&parts));
}

Release parse_release(std::string_view text, const std::string& source) {
  auto stanzas = parse_control(text, source);
  if (stanzas.size() != 1)
    throw Error(source + ": expected one Release stanza, found " + std::to_string(stanzas.size()));
  const auto& stanza = stanzas.front();
  Release release;
  release.origin = stanza.get_or("Origin", "");
  release.suite = stanza.get_or("Suite", "");
  release.codename = stanza.get_or("Codename", "");
  if (auto date = stanza.get("Date")) release.date = parse_release_date(*date, source + " Date");
  if (auto valid = stanza.get("Valid-Until"))
    release.valid_until = parse_release_date(*valid, source + " Valid-Until");
  release.acquire_by_hash = stanza.get_or("Acquire-By-Hash", "no") == "yes";
  release.architectures = split_words(stanza.get_or("Architectures", ""));
  release.components = split_words(stanza.get_or("Components", ""));
  auto sums = stanza.get("SHA256");
  if (!sums) throw Error(source + ": no SHA256 field, so no index can be verified");
  std::istringstream lines(*sums);
  for (std::string line; std::getline(lines, line);) {
    auto words = split_words(line);
    if (words.empty()) continue;
    if (words.size() != 3 || !is_sha256_hex(words[0]))
      throw Error(source + ": malformed SHA256 line '" + line + "'");
    ReleaseFileEntry entry;
    entry.sha256 = words[0];
    try {
      entry.size = std::stoull(words[1]);
    } catch (const std::exception&) {
      throw Error(source + ": malformed size in SHA256 line '" + line + "'");
    }
    release.sha256[words[2]] = entry;
  }
  return release;
}

void check_release(const Release& release, const std::string& expected_suite,
                   std::chrono::system_clock::time_point now, const std::string& source) {
  if (release.codename != expected_suite && release.suite != expected_suite)
    throw Error(source + ": expected suite '" + expected_suite + "', but it says Codename '" +
                release.codename + "', Suite '" + release.suite +
                "' (a mirror serving the wrong release?)");
  if (release.valid_until && *release.valid_until < now)
    throw Error(source + ": expired: Valid-Until " + format_date(*release.valid_until) +
                " is in the past (now " + format_date(now) +
                "); the mirror is stale or replaying an old release");
}

std::string inrelease_url(const SuiteSource& suite) {
  return archive_url(suite.mirror, "dists/" + suite.suite + "/InRelease");
}

Release fetch_release(const SuiteSource& suite, const fs::path& keyring) {
  std::string url = inrelease_url(suite);
  std::string fetched;
  try {
    fetched = fetch_text(url);
  } catch (const Error& error) {
    // A 404 here is nearly always a misspelt suite (the spec's runtime.debian.suites).
    throw Error("Debian suite '" + suite.suite + "' from " + suite.mirror + ": " + error.what() +
                " (is '" + suite.suite + "' a suite this mirror carries, e.g. bookworm, trixie-updates, trixie-security?)");
  }
  std::string signed_text = verify_signed_release(fetched, keyring, url);
  Release release = parse_release(signed_text, url);
  check_release(release, suite.suite, std::chrono::system_clock::now(), url);
  return release;
}

}  // namespace nanoforge::rootfs
