// A distribution's RECORD (PyPA "Recording installed projects"): a CSV file whose first column
// is each installed file's path, relative to site-packages (or with ../ to reach bin/ and the
// like), quoted when it holds a comma or a quote.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace nanoforge::venv {

// The paths `dist_info`/RECORD lists, in file order, unquoted; empty lines skipped. Throws
// nanoforge::Error naming the file when it cannot be read.
std::vector<std::string> recorded_paths(const std::filesystem::path& dist_info);

}  // namespace nanoforge::venv
