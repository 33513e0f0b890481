// Registry authentication: anonymous, Basic, and the bearer-token flow of the distribution
// spec (WWW-Authenticate: Bearer realm=,service=,scope=), with tokens cached per scope set
// and fetched again, with a wider scope when needed, on a 401 mid-push. Shared by the
// client's worker threads. Credentials and tokens never appear in its messages.
#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "oci/registry/credentials.h"
#include "oci/registry/transport.h"

namespace nanoforge::oci {

// One parsed WWW-Authenticate challenge.
struct AuthChallenge {
  std::string scheme;                         // "bearer" or "basic" (lowercased)
  std::map<std::string, std::string> params;  // realm, service, scope, error (names lowercased)
  static std::optional<AuthChallenge> parse(const std::string& header);
};

// "repository:NAME:pull" / "repository:NAME:pull,push".
std::string repository_scope(const std::string& repository, bool push);

class RegistryAuth {
 public:
  // `credentials`: nullopt looks them up (find_credentials) at the first challenge.
  RegistryAuth(const HttpTransport& transport, std::string registry,
               std::optional<Credentials> credentials = std::nullopt);

  // The Authorization header value for a request needing `scopes`, or "" when the registry
  // has not asked for anything yet (anonymous).
  std::string authorization(const std::vector<std::string>& scopes);

  // Handles a 401 for `what` (e.g. "HEAD .../blobs/sha256:..."): gets a token for `scopes`
  // plus any scope the challenge names, or switches to Basic. Throws nanoforge::Error when
  // there are no credentials, or they were refused (then every later call throws at once,
  // so parallel transfers do not hammer the registry with bad credentials).
  void on_unauthorized(const HttpResponse& response, const std::vector<std::string>& scopes,
                       const std::string& what);

  // Records the challenge of a 401 without acting on it (the ping's answer), so the first
  // real request can authenticate straight away.
  void learn_challenge(const HttpResponse& response);

  // Why a request still got 401 after authenticating: no credentials, or which user was
  // refused, for the final error message.
  std::string explain_unauthorized(const std::string& what);

  // Number of tokens fetched (tests check that a push does not fetch one per request).
  int tokens_fetched() const;

 private:
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  std::string fetch_token(const std::vector<std::string>& scopes);
  void load_credentials();
  std::string no_credentials_message(const std::string& what) const;

  const HttpTransport& transport_;
  std::string registry_;
  mutable std::mutex mutex_;
  std::optional<Credentials> credentials_;
  bool credentials_loaded_ = false;
  std::optional<AuthChallenge> challenge_;
  std::map<std::string, Token> tokens_;  // by sorted, space-joined scopes
  std::string refused_;                  // set once credentials were refused: the message
  int tokens_fetched_ = 0;
};

}  // namespace nanoforge::oci
