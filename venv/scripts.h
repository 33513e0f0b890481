// Relocatable console scripts. pip writes "#!/build/dir/bin/python3.12" into every script;
// the venv replaces that with a "#!/bin/sh" header that finds the interpreter beside the
// script using only shell builtins (the minimal runtime has no coreutils) and is at the same
// time a Python string literal, so Python reads the rest of the file unchanged.
#pragma once
#include <optional>
#include <string>

namespace nanoforge::venv {

// The header: "#!/bin/sh" plus the shell code, closed for Python by "'''". Ends in "\n".
std::string trampoline_header(const std::string& interpreter_name);

// `content` with its shebang replaced by the trampoline when the shebang names an
// interpreter in `bin_dir` (the build-time bin directory; both pip's "#!/path/python" form
// and its "#!/bin/sh\n'''exec' \"/path/python\" ..." form for long paths are recognised).
// nullopt when the file is not such a script.
std::optional<std::string> relocate_script(const std::string& content, const std::string& bin_dir,
                                           const std::string& interpreter_name);

}  // namespace nanoforge::venv
