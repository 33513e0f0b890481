// `up`, `start`, `stop`, `restart`, `down`: the compose project's lifecycle commands, with the
// checks that must pass before anything starts.
#pragma once
#include <string>
#include <vector>

#include "deploy/deployment.h"

namespace nanoforge::deploy {

enum class LifecycleVerb { up, start, stop, restart, down };

// "up" -> LifecycleVerb::up ...; throws nanoforge::Error for any other word.
LifecycleVerb parse_lifecycle_verb(const std::string& verb);
const char* to_string(LifecycleVerb verb);

struct LifecycleResult {
  std::string engine;                 // Engine::describe() of the engine that ran it
  std::vector<std::string> warnings;  // secrets lines whose meaning changed; an image that ignores .env;
                                      // config.json warnings; instances skipped as invalid
  std::vector<std::string> skipped;   // instances not started: their config.json would not load
};

// Runs `verb` for the instances `names` (all when empty; `down` takes none) on the engine
// chosen by `engine_preference` (as detect_engine takes it). Every name must be an instance.
// Before a verb that starts containers, every instance's secrets file is checked (a bad line
// fails here, naming it), its config.json is checked as upstream Nanobot loads it
// (instance_check.h: an invalid one fails here, or is left out with `skip_invalid`), and it is
// made writable for the container (prepare_writable_state); `up`
// records the engine in the settings and rewrites docker-compose.yml first so the ownership
// mode, overrides and hand edits take effect. The caller holds the DeploymentLock. Throws nanoforge::Error with the compose
// tool's message when it fails, or after kComposeOperationSeconds.
LifecycleResult run_lifecycle(const Deployment& deployment, LifecycleVerb verb, const std::vector<std::string>& names,
                              const std::string& engine_preference, bool skip_invalid = false);

}  // namespace nanoforge::deploy
