#include "venv/record_file.h"

#include <sstream>

#include "base/atomic_file.h"

namespace nanoforge::venv {

std::vector<std::string> recorded_paths(const std::filesystem::path& dist_info) {
  std::vector<std::string> paths;
  std::istringstream in(read_file(dist_info / "RECORD"));
  for (std::string line; std::getline(in, line);) {
    std::string path;
    if (!line.empty() && line.front() == '"') {
      // A quoted field: "" stands for one quote, and the field ends at the lone closing quote.
      for (std::size_t i = 1; i < line.size(); ++i) {
        if (line[i] == '"' && i + 1 < line.size() && line[i + 1] == '"') path += '"', ++i;
        else if (line[i] == '"') break;
        else path += line[i];
      }
    } else {
      path = line.substr(0, line.find(','));
    }
    if (!path.empty()) paths.push_back(std::move(path));
  }
  return paths;
}

}  // namespace nanoforge::venv
