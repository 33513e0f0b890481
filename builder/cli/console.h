// What the CLI prints: a progress line (bytes, rate, ETA) on a terminal, plain log lines
// elsewhere (CI), nothing but errors with --quiet, and nothing but JSON on stdout with --json.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "base/progress.h"

namespace nanoforge::builder {

class Console {
 public:
  Console(bool quiet, bool json);
  // Human messages go to stderr so stdout stays clean for --json and for piping.
  void info(const std::string& message);
  void warn(const std::string& message);
  // A callback that renders ProgressEvents for this console.
  ProgressCallback progress();
  // Prints to stdout unless --json or --quiet.
  void out(const std::string& text);
  bool json() const { return json_; }
  bool quiet() const { return quiet_; }

 private:
  void render(const ProgressEvent& event);
  void clear_line();
  bool quiet_;
  bool json_;
  bool terminal_;
  std::mutex mutex_;
  std::string current_step_;
  std::chrono::steady_clock::time_point step_started_;
  std::chrono::steady_clock::time_point last_render_;
  bool line_open_ = false;
};

// A table with aligned columns, for summaries.
std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
// 41.6 MB style (decimal units, as Docker prints sizes).
std::string human_bytes(std::uint64_t bytes);
std::string short_digest(const std::string& digest);  // "sha256:0123456789ab"

}  // namespace nanoforge::builder
