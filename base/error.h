// The one exception type the libraries throw: a message a person can act on.
#pragma once
#include <stdexcept>
#include <string>

namespace nanoforge {

// Thrown for every failure a user can fix (bad input, missing file, failed download).
// The message names the file, field, URL or package and says what was expected.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Thrown when a check ran and found a fault (verify, instance check): the CLI exits with
// exit_code::kCheckFailed (3) rather than kError, so scripts tell "checked: bad" from "could
// not check".
class CheckFailed : public Error {
 public:
  using Error::Error;
};

// Error for a failed system call: "<what>: <path>: <strerror(errno)>".
[[noreturn]] void throw_system_error(const std::string& what, const std::string& path);

}  // namespace nanoforge
