// Which build of nanoforge is running, for caches whose entries depend on nanoforge's own
// code and are cheap to remake (the compose cache): a new binary must not reuse what an older
// one rendered, without anyone remembering to bump a version by hand.
#pragma once
#include <string>

namespace nanoforge {

// The GNU build ID of the running program (the linker's digest of its contents, from the
// NT_GNU_BUILD_ID note of the loaded executable) in hex; empty when it was linked without
// one. Reads no file. Thread-safe; computed once.
const std::string& program_build_id();

}  // namespace nanoforge
