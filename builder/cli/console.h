// What the CLI prints: a progress line (bytes, rate, ETA) on a terminal, plain log lines
// elsewhere (CI), nothing but errors with --quiet, and nothing but JSON on stdout with --json.
// The libraries report through base/reporter.h; this is the one implementation that prints.
// stdout carries only results: out() (text) or json() (one document), never both.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/human_bytes.h"
#include "base/progress.h"
#include "base/reporter.h"

namespace nanoforge::builder {

class Console : public Reporter {
 public:
  Console(bool quiet, bool json);
  // Human messages go to stderr so stdout stays clean for --json and for piping; info is
  // dropped with --quiet, warn never.
  void info(const std::string& message) override;
  void warn(const std::string& message) override;
  // A callback that renders ProgressEvents for this console.
  ProgressCallback progress() override;
  // Logs (not a terminal) get one line per finished step; terminals and --quiet get none,
  // the command's summary shows every step.
  void step_result(const std::string& step, bool reused, double seconds) override;
  // A text result on stdout, printed unless --json or --quiet.
  void out(const std::string& text);
  // The command's one JSON document on stdout (pretty-printed, newline-terminated), printed
  // only with --json: a command calls it exactly once, --quiet or not.
  void json(const nlohmann::json& document);
  // A question to the user (interactive prompts) on stdout, whatever the flags.
  void prompt(const std::string& text);
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

}  // namespace nanoforge::builder
