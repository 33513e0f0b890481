#include "deploy/app_log.h"

#include <sstream>
#include <vector>

namespace nanoforge::deploy {

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string trimmed(const std::string& text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// How far above a PermissionError the line naming the directory may be (a traceback's depth).
constexpr std::size_t kTracebackLines = 60;

bool contains(const std::string& line, const char* text) { return line.find(text) != std::string::npos; }

// The failure one line names (with the line before it, where upstream puts the setting's
// path), or "".
std::string failure_of(const std::vector<std::string>& lines, std::size_t i) {
  const std::string& line = lines[i];
  const std::string previous = i > 0 ? trimmed(lines[i - 1]) : "";
  if (contains(line, "Could not prepare dependencies for enabled channel '")) {
    auto start = line.find("channel '") + 9;
    return "channel dependencies could not be installed (channel " + line.substr(start, line.find('\'', start) - start) +
           ")";
  }
  if (contains(line, "Channel dependencies could not be installed")) return "channel dependencies could not be installed";
  if (contains(line, "Environment variable '") && contains(line, "' is not set."))
    return "invalid settings: " + trimmed(line) + (previous.empty() ? "" : " (" + previous + ")");
  if (trimmed(line) == "Unknown setting.") return "invalid settings: unknown setting '" + previous + "'";
  if (contains(line, "Value does not satisfy this setting's requirements."))
    return "invalid settings: '" + previous + "' does not satisfy its requirements";
  if (contains(line, "JSON syntax error")) return "invalid settings: " + trimmed(line);
  if (contains(line, "is not writable (owned by UID")) return "not writable: " + trimmed(line);
  if (contains(line, "PermissionError:")) return "not writable: " + trimmed(line.substr(line.find("PermissionError:")));
  if (contains(line, "Gateway cannot start:")) return trimmed(line.substr(line.find("Gateway cannot start:")));
  if (contains(line, "Error: Config file not found:")) return trimmed(line);
  if (contains(line, "nanobot-entrypoint: ")) return trimmed(line.substr(line.find("nanobot-entrypoint: ")));
  return "";
}

}  // namespace

AppLogDiagnosis diagnose_app_log(const std::string& log) {
  const std::vector<std::string> lines = lines_of(log);
  AppLogDiagnosis diagnosis;
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  // A run ends with a fatal failure (a bad setting, an unwritable directory...) or a clean
  // shutdown; a channel that cannot get its dependencies does not end it. Upstream prints the
  // provider's state before "Starting nanobot gateway" and installs channel dependencies after.
  auto ends_run = [&](std::size_t i) {
    std::string failure = failure_of(lines, i);
    return (!failure.empty() && !failure.starts_with("channel dependencies")) ||
           contains(lines[i], "Shutdown: flushed");
  };
  std::size_t last_start = kNone, last_end = kNone, end_before_last_end = kNone, end_before_start = kNone;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (contains(lines[i], "Starting nanobot gateway")) {
      last_start = i;
      end_before_start = last_end;
    }
    if (ends_run(i)) {
      end_before_last_end = last_end;
      last_end = i;
    }
  }
  const bool crashed = last_end != kNone && (last_start == kNone || last_end > last_start) &&
                       !contains(lines[last_end], "Shutdown: flushed");
  // The latest run begins after the end of the run before it: for a run that failed, the end
  // before its failure; for a running one, the end before its start.
  const std::size_t previous_end = crashed ? end_before_last_end : end_before_start;
  const std::size_t from = previous_end == kNone ? 0 : previous_end + 1;
  if (crashed) {
    diagnosis.failure = failure_of(lines, last_end);
    // A traceback's PermissionError follows the line that names the directory and its owner.
    if (diagnosis.failure.starts_with("not writable: PermissionError"))
      for (std::size_t j = last_end; j-- > 0 && last_end - j <= kTracebackLines;)
        if (contains(lines[j], "is not writable (owned by UID")) {
          diagnosis.failure = failure_of(lines, j);
          break;
        }
  } else if (last_start != kNone) {
    // Running: a channel that failed since this run started.
    for (std::size_t i = lines.size(); i-- > last_start + 1;)
      if (auto failure = failure_of(lines, i); failure.starts_with("channel dependencies")) {
        diagnosis.failure = failure;
        break;
      }
  }
  for (std::size_t i = from; i < lines.size(); ++i)
    if (contains(lines[i], "Provider/model setup is incomplete")) diagnosis.provider_unconfigured = true;
  return diagnosis;
}

}  // namespace nanoforge::deploy
