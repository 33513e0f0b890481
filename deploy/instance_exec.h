// `instance exec NAME -- COMMAND...`: a one-off command in an instance's context, like
// upstream's `nanobot-cli` compose profile (docker-compose.yml's `nanobot-cli` service runs
// `nanobot` with the gateway's volumes): its config, data directory, workspace, HOME and
// secrets, whether the instance's container runs or not. `nanobot agent -m "hello"`,
// `nanobot channels login whatsapp` (interactive, on a terminal).
#pragma once
#include <string>
#include <vector>

#include "deploy/deployment.h"
#include "deploy/engine.h"

namespace nanoforge::deploy {

// Runs `argv` in a one-off container of instance `name`'s service on `engine` and returns its
// exit code. Before it: the instance must exist, its secrets file is checked (a bad line fails
// here, naming it) and its state made writable (prepare_writable_state), and
// docker-compose.yml is written when there is none yet. `tty`: give the command a terminal
// (when ours is one). Throws nanoforge::Error for an unknown instance, an empty command or a
// compose tool that cannot start; the command's own failure is its exit code.
int exec_in_instance(const Deployment& deployment, const Engine& engine, const std::string& name,
                     const std::vector<std::string>& argv, bool tty);

}  // namespace nanoforge::deploy
