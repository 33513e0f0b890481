// The container contract: what the runtime image, the venv image, the compose file, `verify`
// and the instance files agree on, written down once (LevelDB's `config` namespace in
// db/dbformat.h is the model). Changing a value here changes image digests.
#pragma once
#include <string>
#include <vector>

namespace nanoforge::contract {

// The shared venv, mounted read-only (or carried by the -full image) at this path.
inline constexpr const char* kVenvMountPoint = "/opt/venv";
// The same path as a layer entry path (no leading '/').
inline constexpr const char* kVenvLayerPath = "opt/venv";
// Inside every container the gateway listens on this port and the WebUI on the other; only
// the host side differs between instances.
inline constexpr int kGatewayPort = 18790;
inline constexpr int kWebuiPort = 8765;
// `nanobot serve`, the OpenAI-compatible API (upstream's api.port default), in an instance's
// second container when it has an API port.
inline constexpr int kApiPort = 8900;
// The variable every instance's container has holding the name it reaches the host by (a
// provider such as Ollama running there): host.docker.internal on Docker (mapped to the
// engine's host-gateway), host.containers.internal on Podman (which maps it itself; Podman 4.3
// refuses host-gateway). config.json names the host as "${HOST_GATEWAY}", so one file works
// on both engines.
inline constexpr const char* kHostGatewayVariable = "HOST_GATEWAY";
inline constexpr const char* kDockerHostName = "host.docker.internal";
inline constexpr const char* kPodmanHostName = "host.containers.internal";
// The proxy variables compose passes through from the environment it runs in (by reference,
// never written into docker-compose.yml), so the app sees the host's proxies.
inline constexpr const char* kProxyVariables[] = {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
                                                  "http_proxy", "https_proxy", "no_proxy"};
// The runtime image's user; instance directories are owned by it so the container can write.
inline constexpr unsigned kUid = 1000;
inline constexpr unsigned kGid = 1000;
// Where the container sees the instance's secrets file (deploy/secrets_file.h holds its
// format); the entrypoint reads it from there, or from $NANOFORGE_SECRETS_FILE when that is set.
inline constexpr const char* kSecretsMountPoint = "/run/secrets/nanobot.env";
// Image label whose value is kSecretsMountPoint: the image's entrypoint reads that file.
// An image without it (built before this delivery) would start the app without its secrets.
inline constexpr const char* kSecretsImageLabel = "io.nanoforge.secrets-file";
// PATH in every image: the venv's scripts first, then Debian's usual directories.
inline constexpr const char* kImagePath = "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// PID 1 of every container: tini (Debian's package, in every runtime profile) reaps the
// orphans of the app's subprocesses (its shell tool, MCP servers, pip) and passes SIGTERM on;
// without it Python is PID 1, whose SIGTERM the kernel drops until the app installs a handler.
inline constexpr const char* kInitPath = "/usr/bin/tini";
// How long `stop` waits before SIGKILL. Upstream's shutdown stops its channels, then waits up
// to 15 s for its tasks and up to 15 s for each of two clean-ups (gateway_runtime.py): 45 s
// at worst, and sessions are flushed last.
inline constexpr int kStopGraceSeconds = 60;

// The healthcheck command (Docker's "CMD" form): GET http://127.0.0.1:PORT/health through the
// venv's Python, which every runtime profile can run (the minimal one has no curl or wget).
// Exits 0 when the gateway answers 200.
std::vector<std::string> healthcheck_command(int port = kGatewayPort);

// The names of the images a build makes beside NAME (the runtime image): the runtime with the
// venv's layers added, and the venv's layers alone.
inline std::string full_image_name(const std::string& name) { return name + "-full"; }
inline std::string venv_image_name(const std::string& name) { return name + "-venv"; }

}  // namespace nanoforge::contract
