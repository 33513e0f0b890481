#include "venv/process.h"

#include "base/error.h"

namespace nanoforge::venv {

std::string run_checked(const std::string& what, const std::vector<std::string>& argv,
                        const ProcessOptions& options) {
  ProcessOptions merged = options;
  merged.merge_stderr = true;
  auto result = run_process(argv, merged);
  if (result.ok()) return result.output;
  // The end of pip's output is where it says what went wrong.
  std::string tail = result.output;
  if (tail.size() > 3000) tail = "..." + tail.substr(tail.size() - 3000);
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  throw Error(what + " failed (exit " + std::to_string(result.exit_code) + "):\n" + tail);
}

}  // namespace nanoforge::venv
