// Running the tools the venv build drives (its python and pip, strip) through the core's
// run_process, turning a failure into an Error that quotes the end of their output.
#pragma once
#include <string>
#include <vector>

#include "base/subprocess.h"

namespace nanoforge::venv {

// Runs with stderr merged into the output; throws nanoforge::Error
// "<what> failed (exit N):\n<last lines of output>" unless the exit code is 0.
std::string run_checked(const std::string& what, const std::vector<std::string>& argv,
                        const ProcessOptions& options = {});

}  // namespace nanoforge::venv
