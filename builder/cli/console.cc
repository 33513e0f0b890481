#include "builder/cli/console.h"

#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace nanoforge::builder {

Console::Console(bool quiet, bool json)
    : quiet_(quiet), json_(json), terminal_(::isatty(STDERR_FILENO) == 1) {}

void Console::clear_line() {
  if (line_open_) {
    std::cerr << "\r\033[K";
    line_open_ = false;
  }
}

void Console::info(const std::string& message) {
  if (quiet_) return;
  std::lock_guard lock(mutex_);
  clear_line();
  std::cerr << message << "\n";
}

void Console::warn(const std::string& message) {
  std::lock_guard lock(mutex_);
  clear_line();
  std::cerr << "nanoforge: warning: " << message << "\n";
}

void Console::out(const std::string& text) {
  if (quiet_ || json_) return;
  std::lock_guard lock(mutex_);
  clear_line();
  std::cout << text << std::flush;
}

void Console::json(const nlohmann::json& document) {
  if (!json_) return;
  std::lock_guard lock(mutex_);
  clear_line();
  std::cout << document.dump(2) << "\n" << std::flush;
}

void Console::prompt(const std::string& text) {
  std::lock_guard lock(mutex_);
  clear_line();
  std::cout << text << std::flush;
}

void Console::step_result(const std::string& step, bool reused, double seconds) {
  if (quiet_ || terminal_) return;
  std::lock_guard lock(mutex_);
  std::ostringstream line;
  line << step << ": " << (reused ? "reused" : "done") << " in " << std::fixed << std::setprecision(2) << seconds << " s";
  std::cerr << line.str() << "\n";
}

ProgressCallback Console::progress() {
  return [this](const ProgressEvent& event) { render(event); };
}

void Console::render(const ProgressEvent& event) {
  if (quiet_) return;
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (event.step != current_step_) {
    current_step_ = event.step;
    step_started_ = now;
    last_render_ = {};
    if (!terminal_) std::cerr << event.step << " ...\n";
  }
  double seconds = std::chrono::duration<double>(now - step_started_).count();
  bool bytes = event.unit == "bytes";
  auto amount = [&](std::uint64_t value) { return bytes ? human_bytes(value) : std::to_string(value); };
  if (event.finished) {
    clear_line();
    std::ostringstream line;
    line << event.step << ": " << amount(event.done);
    if (bytes && seconds > 0.05) line << " at " << human_bytes(static_cast<std::uint64_t>(event.done / seconds)) << "/s";
    line << " in " << std::fixed << std::setprecision(2) << seconds << " s";
    std::cerr << line.str() << "\n";
    current_step_.clear();
    return;
  }
  // Terminals get a redrawn line at most ten times a second; logs get only start and end.
  if (!terminal_ || now - last_render_ < std::chrono::milliseconds(100)) return;
  last_render_ = now;
  std::ostringstream line;
  line << event.step << ": " << amount(event.done);
  if (event.total) line << " / " << amount(event.total);
  if (bytes && seconds > 0.2) {
    double rate = event.done / seconds;
    line << "  " << human_bytes(static_cast<std::uint64_t>(rate)) << "/s";
    if (event.total > event.done && rate > 0)
      line << "  ETA " << static_cast<int>((event.total - event.done) / rate) << " s";
  }
  std::cerr << "\r\033[K" << line.str() << std::flush;
  line_open_ = true;
}

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  // Width in characters, counting UTF-8 continuation bytes as nothing (for ✓ and ✗).
  auto width = [](const std::string& text) {
    std::size_t count = 0;
    for (unsigned char c : text) count += (c & 0xc0) != 0x80;
    return count;
  };
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = width(header[i]);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out << cells[i];
      if (i + 1 < cells.size()) out << std::string(widths[i] - width(cells[i]) + 2, ' ');
    }
    out << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out.str();
}

}  // namespace nanoforge::builder
