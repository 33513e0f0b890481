// Libraries never print: they tell a Reporter what happened, and the program decides how it
// looks (Ninja's Status/StatusPrinter split). The CLI's Console renders it on stderr as a
// progress line, log lines or nothing (--quiet); tests can record it. Knows no domain.
#pragma once
#include <string>

#include "base/progress.h"

namespace nanoforge {

class Reporter {
 public:
  virtual ~Reporter() = default;
  // A callback that renders ProgressEvents (bytes or items of a named step). Must stay
  // usable for as long as the reporter lives; may be called from several threads.
  virtual ProgressCallback progress() = 0;
  // A step finished: "reused" when a cache hit meant nothing was redone.
  virtual void step_result(const std::string& step, bool reused, double seconds) = 0;
  // A line for the person at the terminal (e.g. "venv rebuilt: ..."); not a result.
  virtual void info(const std::string& message) = 0;
  // Something that did not stop the work but the user should see, even with --quiet.
  virtual void warn(const std::string& message) = 0;
};

// Reports nothing: for callers that want none of it (and for tests).
class SilentReporter : public Reporter {
 public:
  ProgressCallback progress() override { return [](const ProgressEvent&) {}; }
  void step_result(const std::string&, bool, double) override {}
  void info(const std::string&) override {}
  void warn(const std::string&) override {}
};

}  // namespace nanoforge
