// Where registry credentials come from, in the order Podman and Docker look:
// $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, then $DOCKER_CONFIG/config.json
// (or ~/.docker/config.json). In each file: credHelpers[host], auths[host] (base64
// "user:password", or an identity token), then credsStore. Helpers are run with the
// docker-credential-* protocol. Secrets never go into messages.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace nanoforge::oci {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;  // an OAuth2 refresh token (Docker's "identitytoken")
  std::string source;          // where they came from, for messages: a file or a helper name
};

// Finds credentials for `registry` (a host[:port] as in a reference; docker.io also matches
// the "https://index.docker.io/v1/" key). Throws nanoforge::Error naming the file or helper
// when a file is malformed or a helper fails; a helper that has none is not an error.
std::optional<Credentials> find_credentials(const std::string& registry);

// The file `nanoforge login` writes: $REGISTRY_AUTH_FILE when set, else the Docker config.
std::filesystem::path login_file();

// Stores "user:password" for `registry` under auths in `file` (keeping every other key),
// atomically and readable by the owner only; when the file names a credential helper for the
// registry (credHelpers, else credsStore), the secret goes to `docker-credential-X store`
// instead and auths gets an empty entry, as `docker login` does.
void store_credentials(const std::filesystem::path& file, const std::string& registry,
                       const std::string& username, const std::string& password);

// Runs `docker-credential-<helper> get` for `server`; nullopt when the helper has nothing.
std::optional<Credentials> credentials_from_helper(const std::string& helper, const std::string& server);

}  // namespace nanoforge::oci
