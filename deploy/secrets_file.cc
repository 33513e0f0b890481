#include "deploy/secrets_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>

#include "base/atomic_file.h"
#include "base/error.h"

namespace nanoforge::deploy {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kReservedPrefix = "nanoforge_";

bool is_name_character(char c, bool first) {
  bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  return letter || (!first && c >= '0' && c <= '9');
}

// Why `name` cannot be a NAME; empty when it can.
std::string name_problem(std::string_view name) {
  if (name.empty()) return "nothing before '=': expected NAME=VALUE";
  bool valid = is_name_character(name.front(), true);
  for (char c : name) valid = valid && is_name_character(c, false);
  if (!valid) {
    // Said without quoting the text: a line without a name may well be a bare key.
    std::string hint;
    if (name.starts_with("export ")) hint = " (remove 'export ': the line is NAME=VALUE)";
    else if (name.front() == ' ' || name.front() == '\t') hint = " (remove the blanks before the name)";
    else if (name.back() == ' ' || name.back() == '\t') hint = " (remove the blanks before '=')";
    else if (name.starts_with("\xEF\xBB\xBF")) hint = " (the file starts with a byte order mark: save it as UTF-8 without BOM)";
    return "the text before the first '=' is not a variable name: expected letters, digits and '_', "
           "not starting with a digit" + hint;
  }
  if (name.starts_with(kReservedPrefix))
    return "names starting with 'nanoforge_' are reserved for the image's entrypoint";
  return "";
}

// Why `value` cannot be a VALUE; empty when it can.
std::string value_problem(std::string_view value) {
  if (value.find('\n') != std::string_view::npos)
    return "holds a line break, which a line of the secrets file cannot hold";
  if (value.find('\0') != std::string_view::npos)
    return "holds a NUL byte, which no environment variable can hold";
  if (!value.empty() && value.back() == '\r')
    return "ends with a carriage return (CR), which the secrets file does not allow at the end of a line";
  return "";
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

SecretsFile parse_secrets(std::string_view text, const std::string& source) {
  SecretsFile file;
  std::vector<std::string> errors;
  std::map<std::string, std::size_t> first_line;
  std::size_t number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    std::string where = source + ":" + std::to_string(number) + ": ";
    std::size_t first = 0;
    while (first < line.size() && is_blank(line[first])) ++first;
    if (first == line.size() || line[first] == '#') continue;
    if (line.back() == '\r') {
      errors.push_back(where + "the line ends with a carriage return (CR): the file has Windows (CRLF) line "
                               "endings; save it with LF line endings (e.g. sed -i 's/\\r$//' FILE)");
      continue;
    }
    if (line.find('\0') != std::string_view::npos) {
      errors.push_back(where + "the line holds a NUL byte, which no environment variable can hold");
      continue;
    }
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      errors.push_back(where + "no '=' in the line: expected NAME=VALUE (a comment starts with '#')");
      continue;
    }
    std::string_view name = line.substr(0, equals);
    if (std::string problem = name_problem(name); !problem.empty()) {
      errors.push_back(where + problem);
      continue;
    }
    SecretVariable variable{std::string(name), std::string(line.substr(equals + 1)), number};
    // Compose used to read these differently; say so where the meaning is now another.
    const std::string& value = variable.value;
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      file.warnings.push_back(where + variable.name + "'s value is wrapped in quotes, which are now part of it " +
                              "(the app gets them too): remove them unless the secret has them");
    else if (value.find(" #") != std::string::npos)
      file.warnings.push_back(where + variable.name + "'s value holds ' #', where Compose v2 used to cut it off " +
                              "as a comment: now everything up to the end of the line is the value");
    else if (!value.empty() && is_blank(value.back()))
      file.warnings.push_back(where + variable.name + "'s value ends with a space or tab, which the app gets too");
    if (auto [previous, inserted] = first_line.emplace(variable.name, number); !inserted)
      file.warnings.push_back(where + variable.name + " is also set on line " + std::to_string(previous->second) +
                              "; this later line wins");
    file.variables.push_back(std::move(variable));
  }
  if (!errors.empty()) {
    std::string message = source + " cannot be passed to the container as it stands (the format: NAME=VALUE lines):";
    for (const auto& error : errors) message += "\n  " + error;
    throw Error(message);
  }
  return file;
}

void check_secret(std::string_view name, std::string_view value) {
  if (std::string problem = name_problem(name); !problem.empty())
    throw Error("invalid secret variable name: " + problem);
  if (std::string problem = value_problem(value); !problem.empty())
    throw Error("the value of " + std::string(name) + " " + problem);
}

std::string secret_line(std::string_view name, std::string_view value) {
  check_secret(name, value);
  std::string line(name);
  line += '=';
  line += value;
  line += '\n';
  return line;
}

SecretsFile read_secrets_file(const fs::path& path, const std::string& shown_as) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT)
      throw Error(shown_as + " is missing: it holds the instance's secrets as NAME=VALUE lines (e.g. "
                             "OPENAI_API_KEY=sk-...); create it, even empty, before starting the instance");
    throw_system_error("cannot read the secrets file", shown_as);
  }
  if (S_ISDIR(info.st_mode))
    throw Error(shown_as + " is a directory (an engine creates one when a bind-mounted file is missing): "
                           "remove it and write the secrets file (NAME=VALUE lines) in its place");
  if (!S_ISREG(info.st_mode)) throw Error(shown_as + " is not a regular file: expected NAME=VALUE lines");
  return parse_secrets(read_file(path), shown_as);
}

void give_secrets_to_instance_group(const fs::path& path) {
  if (::geteuid() != 0) return;  // only root can give a file to another group
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) throw_system_error("cannot read the secrets file", path.string());
  if (!S_ISREG(info.st_mode)) return;  // read_secrets_file says what is wrong
  if (info.st_gid != contract::kGid && ::lchown(path.c_str(), static_cast<uid_t>(-1), contract::kGid) != 0)
    throw_system_error("cannot give the secrets file to group " + std::to_string(contract::kGid), path.string());
  if ((info.st_mode & 07777) != 0640 && ::chmod(path.c_str(), 0640) != 0)
    throw_system_error("cannot make the secrets file mode 0640", path.string());
}

std::string secrets_version(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return "";
  long long nanoseconds = static_cast<long long>(info.st_mtim.tv_sec) * 1'000'000'000LL + info.st_mtim.tv_nsec;
  return std::to_string(nanoseconds);
}

std::vector<std::string> check_instance_secrets(const Deployment& deployment, const std::vector<std::string>& names) {
  std::vector<std::string> warnings;
  std::vector<std::string> problems;
  for (const auto& name : names.empty() ? deployment.instance_names() : names) {
    fs::path file = deployment.instance_dir(name) / instance_files::kSecrets;
    try {
      SecretsFile secrets = read_secrets_file(file, file.string());
      give_secrets_to_instance_group(file);
      warnings.insert(warnings.end(), secrets.warnings.begin(), secrets.warnings.end());
    } catch (const Error& error) {
      problems.push_back(error.what());
    }
  }
  if (problems.size() == 1) throw Error(problems.front());
  if (!problems.empty()) {
    std::string message = "the secrets of " + std::to_string(problems.size()) + " instances cannot be passed on:";
    for (const auto& problem : problems) message += "\n" + problem;
    throw Error(message);
  }
  return warnings;
}

}  // namespace nanoforge::deploy
