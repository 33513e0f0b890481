#include "oci/registry/auth.h"

#include <curl/curl.h>

#include <algorithm>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/error.h"
#include "base/retry.h"
#include "base/url.h"

namespace nanoforge::oci {

namespace {

std::string url_escape(const std::string& text) {
  char* escaped = curl_escape(text.data(), static_cast<int>(text.size()));
  std::string result = escaped ? escaped : "";
  curl_free(escaped);
  return result;
}

std::set<std::string> split_scopes(const std::string& text) {
  std::set<std::string> scopes;
  std::istringstream in(text);
  std::string scope;
  while (in >> scope) scopes.insert(scope);
  return scopes;
}

std::string join(const std::set<std::string>& scopes) {
  std::string text;
  for (const auto& scope : scopes) text += (text.empty() ? "" : " ") + scope;
  return text;
}

// A registry's error body ({"errors":[{"code","message"}]}) in one line, or the first
// line of a text body. Bodies of auth endpoints never echo secrets they were sent.
std::string short_body(const std::string& body) {
  try {
    auto json = nlohmann::json::parse(body);
    if (json.contains("errors") && json["errors"].is_array() && !json["errors"].empty()) {
      auto& first = json["errors"][0];
      return first.value("code", "") + ": " + first.value("message", "");
    }
    if (json.contains("details") && json["details"].is_string()) return json["details"].get<std::string>();
    if (json.contains("error") && json["error"].is_string()) return json["error"].get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  auto line = body.substr(0, body.find('\n'));
  return line.size() > 200 ? line.substr(0, 200) + "..." : line;
}

// A bearer realm is a URL, and like a Location it may be relative to the URL that sent the
// challenge (RFC 3986 §5): made absolute here, once, for every token request after it.
void resolve_realm(AuthChallenge& challenge, const HttpResponse& response, const std::string& registry) {
  auto realm = challenge.params.find("realm");
  if (challenge.scheme != "bearer" || realm == challenge.params.end() || response.url.empty()) return;
  try {
    realm->second = resolve_url(response.url, realm->second);
  } catch (const Error& error) {
    throw Error("registry " + registry + " names the token realm '" + realm->second +
                "', which is not a URL nanoforge can follow: " + error.what());
  }
}

}  // namespace

std::optional<AuthChallenge> AuthChallenge::parse(const std::string& header) {
  auto space = header.find(' ');
  if (header.empty()) return std::nullopt;
  AuthChallenge challenge;
  challenge.scheme = header.substr(0, space);
  std::transform(challenge.scheme.begin(), challenge.scheme.end(), challenge.scheme.begin(), ::tolower);
  if (space == std::string::npos) return challenge;
  std::size_t at = space + 1;
  while (at < header.size()) {
    while (at < header.size() && (header[at] == ' ' || header[at] == ',')) ++at;
    auto equals = header.find('=', at);
    if (equals == std::string::npos) break;
    std::string name = header.substr(at, equals - at);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    at = equals + 1;
    std::string value;
    if (at < header.size() && header[at] == '"') {
      for (++at; at < header.size() && header[at] != '"'; ++at) {
        if (header[at] == '\\' && at + 1 < header.size()) ++at;
        value += header[at];
      }
      ++at;
    } else {
      auto end = header.find(',', at);
      value = header.substr(at, end == std::string::npos ? std::string::npos : end - at);
      at = end == std::string::npos ? header.size() : end;
    }
    challenge.params[name] = value;
  }
  return challenge;
}

std::string repository_scope(const std::string& repository, bool push) {
  return "repository:" + repository + (push ? ":pull,push" : ":pull");
}

RegistryAuth::RegistryAuth(const HttpTransport& transport, std::string registry,
                           std::optional<Credentials> credentials)
    : transport_(transport), registry_(std::move(registry)), credentials_(std::move(credentials)),
      credentials_loaded_(credentials_.has_value()) {}

int RegistryAuth::tokens_fetched() const {
  std::lock_guard lock(mutex_);
  return tokens_fetched_;
}

void RegistryAuth::load_credentials() {
  if (credentials_loaded_) return;
  credentials_ = find_credentials(registry_);
  credentials_loaded_ = true;
}

std::string RegistryAuth::no_credentials_message(const std::string& what) const {
  return "registry " + registry_ + " requires authentication for " + what +
         " and no credentials were found for it; run `nanoforge login " + registry_ +
         " -u USER --password-stdin` (or set REGISTRY_AUTH_FILE / DOCKER_CONFIG)";
}

std::string RegistryAuth::authorization(const std::vector<std::string>& scopes) {
  std::lock_guard lock(mutex_);
  if (!refused_.empty()) throw Error(refused_);
  if (!challenge_) return "";
  if (challenge_->scheme == "basic") {
    if (!credentials_ || credentials_->username.empty()) return "";
    return "Basic " + base64_encode(credentials_->username + ":" + credentials_->password);
  }
  std::set<std::string> wanted(scopes.begin(), scopes.end());
  auto now = std::chrono::steady_clock::now();
  for (const auto& [key, token] : tokens_) {
    auto held = split_scopes(key);
    if (token.expires > now && std::includes(held.begin(), held.end(), wanted.begin(), wanted.end()))
      return "Bearer " + token.value;
  }
  // The realm is known: fetch a token for the new scope now rather than after a 401.
  return "Bearer " + fetch_token(scopes);
}

std::string RegistryAuth::explain_unauthorized(const std::string& what) {
  std::lock_guard lock(mutex_);
  load_credentials();
  if (!credentials_ || (credentials_->username.empty() && credentials_->identity_token.empty()))
    return no_credentials_message(what);
  return "registry " + registry_ + " denied user '" + credentials_->username + "' (credentials from " +
         credentials_->source + ") access for " + what + ": the account may not push or pull this repository";
}

void RegistryAuth::learn_challenge(const HttpResponse& response) {
  std::lock_guard lock(mutex_);
  auto challenge = AuthChallenge::parse(response.header("WWW-Authenticate"));
  if (!challenge || (challenge->scheme != "basic" && challenge->scheme != "bearer")) return;
  if (challenge->scheme == "bearer" && challenge->params.count("realm") == 0) return;
  resolve_realm(*challenge, response, registry_);
  challenge_ = challenge;
  load_credentials();
}

void RegistryAuth::on_unauthorized(const HttpResponse& response, const std::vector<std::string>& scopes,
                                   const std::string& what) {
  std::lock_guard lock(mutex_);
  if (!refused_.empty()) throw Error(refused_);
  auto challenge = AuthChallenge::parse(response.header("WWW-Authenticate"));
  if (!challenge)
    throw Error("registry " + registry_ + " answered 401 to " + what + " without saying how to authenticate (" +
                short_body(response.body) + ")");
  load_credentials();
  if (challenge->scheme == "basic") {
    bool was_basic = challenge_ && challenge_->scheme == "basic";
    challenge_ = challenge;
    if (!credentials_ || credentials_->username.empty()) throw Error(no_credentials_message(what));
    if (was_basic) {
      refused_ = "registry " + registry_ + " refused the credentials of user '" + credentials_->username +
                 "' (from " + credentials_->source + ") for " + what + "; check them with `nanoforge login " +
                 registry_ + "`";
      throw Error(refused_);
    }
    return;
  }
  if (challenge->scheme != "bearer" || challenge->params.count("realm") == 0)
    throw Error("registry " + registry_ + " asks for an unsupported authentication scheme '" + challenge->scheme +
                "' for " + what);
  resolve_realm(*challenge, response, registry_);
  challenge_ = challenge;
  std::set<std::string> wanted(scopes.begin(), scopes.end());
  for (const auto& scope : split_scopes(challenge->params["scope"])) wanted.insert(scope);
  // The token held for these scopes did not do: drop it so the next one is fresh.
  tokens_.erase(join(wanted));
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    auto held = split_scopes(it->first);
    it = std::includes(held.begin(), held.end(), wanted.begin(), wanted.end()) ? tokens_.erase(it) : std::next(it);
  }
  fetch_token(std::vector<std::string>(wanted.begin(), wanted.end()));
}

std::string RegistryAuth::fetch_token(const std::vector<std::string>& scope_list) {
  // Called with mutex_ held.
  load_credentials();
  std::set<std::string> scopes(scope_list.begin(), scope_list.end());
  const auto& realm = challenge_->params["realm"];
  const auto& service = challenge_->params["service"];
  std::string what = "a token from " + realm.substr(0, realm.find('?'));

  HttpResponse response;
  bool have_password = credentials_ && !credentials_->username.empty();
  auto post_form = [&](const std::string& grant) {
    HttpRequest request;
    request.method = "POST";
    request.url = realm;
    request.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    request.body = "grant_type=" + grant + "&service=" + url_escape(service) + "&client_id=nanoforge" +
                   "&access_type=offline&scope=" + url_escape(join(scopes));
    if (grant == "refresh_token") request.body += "&refresh_token=" + url_escape(credentials_->identity_token);
    else request.body += "&username=" + url_escape(credentials_->username) + "&password=" + url_escape(credentials_->password);
    return transport_.perform(request);
  };
  RetrySchedule schedule(transport_.options().retry);
  for (;;) {
    try {
      if (credentials_ && !credentials_->identity_token.empty()) {
        response = post_form("refresh_token");
      } else {
        HttpRequest request;
        // The realm's own query stays (some token servers need theirs, e.g. "?account=").
        std::vector<std::pair<std::string, std::string>> query{{"service", service}};
        for (const auto& scope : scopes) query.emplace_back("scope", scope);
        request.url = with_query(realm, query);
        if (have_password)
          request.headers.push_back("Authorization: Basic " +
                                    base64_encode(credentials_->username + ":" + credentials_->password));
        response = transport_.perform(request);
        // Some token servers only speak the OAuth2 form.
        if (have_password && (response.status == 404 || response.status == 405)) response = post_form("password");
      }
    } catch (const TransportError& error) {
      if (!schedule.wait_before_retry(error.outcome()))
        throw Error("cannot get " + what + " for " + registry_ + ": " + error.what());
      continue;
    }
    if (is_transient(response.outcome()) && schedule.wait_before_retry(response.outcome())) continue;
    break;
  }
  if (response.status == 401 || response.status == 403) {
    if (!credentials_) throw Error(no_credentials_message(join(scopes)));
    refused_ = "registry " + registry_ + " refused the credentials of user '" + credentials_->username + "' (from " +
               credentials_->source + ") when asking for " + what + " (HTTP " + std::to_string(response.status) +
               "); check them with `nanoforge login " + registry_ + "`";
    throw Error(refused_);
  }
  if (response.status != 200)
    throw Error("cannot get " + what + " for " + registry_ + ": HTTP " + std::to_string(response.status) + " " +
                short_body(response.body));
  nlohmann::json answer;
  try {
    answer = nlohmann::json::parse(response.body);
  } catch (const nlohmann::json::exception&) {
    throw Error("the token server " + realm.substr(0, realm.find('?')) + " did not answer with JSON");
  }
  std::string token = answer.value("token", "");
  if (token.empty()) token = answer.value("access_token", "");
  if (token.empty()) throw Error("the token server " + realm.substr(0, realm.find('?')) + " answered without a token");
  long long lifetime = answer.contains("expires_in") && answer["expires_in"].is_number_integer()
                           ? answer["expires_in"].get<long long>()
                           : 60;
  // Refresh a little early so a token does not expire between check and use.
  auto expires = std::chrono::steady_clock::now() + std::chrono::seconds(std::max<long long>(lifetime - 10, 1));
  tokens_[join(scopes)] = Token{token, expires};
  ++tokens_fetched_;
  return token;
}

}  // namespace nanoforge::oci
