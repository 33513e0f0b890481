// A TCP port on 127.0.0.1 that is free now: what `verify --run` publishes a throwaway
// container on, and what tests bind their servers to.
#pragma once

namespace nanoforge {

// The port the kernel picks for a socket bound to 127.0.0.1:0, released again before it
// returns: free a moment ago, so another process may still take it before the caller binds
// it. Throws nanoforge::Error when no socket can be made or bound.
int free_local_port();

}  // namespace nanoforge
