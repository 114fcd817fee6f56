#pragma once
// Sign-in through OpenID Connect providers that a platform admin configured: the authorization
// code flow with PKCE, state and nonce (oidc/provider.hpp), just-in-time accounts, team mapping
// from ID token claims, and a Dokkerr session at the end.
//
// Rules:
// - An account is found by (issuer, sub) only, the one pair OpenID Connect Core §5.7 calls
//   stable. A first sign-in always makes a new account (no password, never an admin), even when
//   a local account has the same e-mail address (verified or not) or the same username: e-mail
//   and names are claims the provider's users may choose, so linking by them would let one of
//   them take over an account. An admin who wants one person to keep one account deletes the
//   duplicate. The new account's username comes from preferred_username, else the e-mail's
//   local part, else "user", reduced to the username alphabet and made unique with "-2", "-3"…
//   Its e-mail is kept only when the provider says it is verified.
// - Team mapping: for each team, the first mapping entry whose claim matches (a string claim
//   equal to the value, or an array claim holding it) gives the role, on every sign-in; the
//   provider is authoritative for the teams it maps. Sign-ins never remove memberships.
// - Each login is bound to the user agent that started it: start() hands out a random binding
//   for a cookie, and the pending login is stored under SHA-256(binding "." state). A callback
//   without the same cookie finds nothing (401 oidc_state_mismatch), so nobody can make a
//   victim's browser finish a login the attacker started (login CSRF). A pending login is used
//   once (deleted when read) and lasts kOidcLoginTtlSeconds.
// - The redirect URI is part of the provider's configuration and is the only one a flow uses:
//   Dokkerr's callback (<public URL>/api/v1/auth/oidc/callback), or a page of the web UI that
//   hands the query string on to that callback.
// - Calls to the provider go through the OidcProviderClient port (on their own pool in the
//   server, never on the database pool).
#include "auth/oidc_store.hpp"
#include "auth/session_service.hpp"
#include "core/audit_trail.hpp"
#include "oidc/jwks.hpp"
#include "oidc/provider.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Clock;
class Logger;
}  // namespace dokkerr
namespace dokkerr::crypto {
class SecretBox;
}
namespace dokkerr::oidc {
struct IdTokenClaims;
}
namespace dokkerr::users {
class OrganizationStore;
class TeamStore;
class UserStore;
struct User;
}  // namespace dokkerr::users

namespace dokkerr::auth {

class OidcProviderClient;

inline constexpr std::int64_t kOidcLoginTtlSeconds = 10 * 60;
// Pending logins are rows anyone can create: a bound per client address and one in all.
inline constexpr int kOidcStartsPerAddressPerMinute = 60;
inline constexpr std::int64_t kOidcMaxPendingLogins = 100'000;
inline constexpr std::string_view kOidcBindingCookie = "dokkerr_oidc";
inline constexpr std::string_view kOidcCallbackPath = "/api/v1/auth/oidc/callback";

struct OidcDependencies {
  OidcStore& store;
  users::UserStore& users;
  users::TeamStore& teams;
  users::OrganizationStore& organizations;  // custom roles named by team mappings
  SessionService& sessions;
  OidcProviderClient& provider;
  const crypto::SecretBox& secrets;  // client secrets are sealed under "oidc:<provider id>"
  AuditTrail& audit;
  Logger& logger;
  const Clock& clock;
  BlockingPool& pool;  // database work
};

// A provider as an admin configures it.
struct OidcProviderInput {
  std::string name, issuer, client_id, client_secret, redirect_uri;
  std::optional<std::vector<std::string>> scopes;  // default openid, email, profile
  std::vector<TeamMapping> team_mapping;
  bool enabled = true;
};

// A PATCH of a provider: only the fields given change; an absent client_secret keeps the sealed
// one (it is never shown, so an edit form cannot send it back).
struct OidcProviderPatch {
  std::optional<std::string> name, issuer, client_id, client_secret, redirect_uri;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::vector<TeamMapping>> team_mapping;
  std::optional<bool> enabled;
};

struct OidcLoginStart {
  std::string authorization_url;
  std::string binding;         // the value of the kOidcBindingCookie cookie
  bool secure_cookie = false;  // the redirect URI is https: the cookie gets Secure
};

class OidcService {
 public:
  explicit OidcService(OidcDependencies deps) : deps_(deps) {}

  // Admin (users:manage). create runs discovery first: a provider that does not answer is not
  // saved. The client secret is sealed and never returned.
  boost::asio::awaitable<OidcProviderRecord> create_provider(OidcProviderInput input);
  boost::asio::awaitable<std::vector<OidcProviderRecord>> list_providers();
  // The checks of create_provider apply to what changes; a new issuer is discovered first.
  boost::asio::awaitable<OidcProviderRecord> update_provider(std::string id,
                                                             OidcProviderPatch patch);
  boost::asio::awaitable<void> delete_provider(std::string id);
  // The enabled providers, for the login page.
  boost::asio::awaitable<std::vector<OidcProviderRecord>> public_providers();

  // Errors: 404 oidc_provider_not_found (unknown or disabled), 400 oidc_redirect_uri_mismatch
  // (a redirect_uri other than the configured one), 429 oidc_too_many_logins (more than
  // kOidcStartsPerAddressPerMinute from `client_address`, or kOidcMaxPendingLogins pending),
  // and the provider's 502s from discovery.
  boost::asio::awaitable<OidcLoginStart> start(std::string provider_id,
                                               std::optional<std::string> redirect_uri,
                                               std::string client_address);
  // `query`: the callback's query string without '?'. `binding`: the cookie's value, if sent.
  // 401: oidc_state_mismatch (unknown, used, or another user agent's login), oidc_login_expired,
  // oidc_provider_disabled, and the library's oidc_* refusals; 403 account_disabled.
  boost::asio::awaitable<TokenPair> callback(std::string query, std::optional<std::string> binding,
                                             ClientInfo client);

 private:
  struct Cached {
    std::string issuer;
    oidc::ProviderMetadata metadata;
    std::chrono::steady_clock::time_point fetched_at;
    std::shared_ptr<const oidc::JwkSet> keys;
  };
  struct Attempt;  // what a callback learned so far, for the audit record
  struct StartWindow {
    std::chrono::steady_clock::time_point started;
    int count = 0;
  };

  boost::asio::awaitable<oidc::ProviderMetadata> metadata_for(const OidcProviderRecord& provider);
  boost::asio::awaitable<std::shared_ptr<const oidc::JwkSet>> keys_for(
      const OidcProviderRecord& provider, const oidc::ProviderMetadata& metadata, bool refresh);
  boost::asio::awaitable<TokenPair> sign_in(std::string query, std::optional<std::string> binding,
                                            const ClientInfo& client, Attempt& attempt);
  // Blocking: checks every mapping names an existing team and a role that fits it.
  void check_team_mapping(const std::vector<TeamMapping>& mapping);
  users::User provision(const oidc::IdTokenClaims& claims, const std::string& issuer);
  void apply_team_mapping(const OidcProviderRecord& provider, const users::User& user,
                          const oidc::IdTokenClaims& claims);
  // Counts a start from the address; false when it has had its share this minute.
  bool admit_start(const std::string& address);

  OidcDependencies deps_;
  std::mutex cache_mutex_;
  std::map<std::string, Cached, std::less<>> cache_;  // provider id → discovery and keys
  std::mutex starts_mutex_;
  std::map<std::string, StartWindow, std::less<>> starts_;  // client address → this minute
};

// The pieces with no I/O, exposed for tests.

// A username derived from the claims: preferred_username, else the e-mail's local part, else
// "user", keeping [A-Za-z0-9._-] and starting with a letter or digit, at most 64 bytes.
std::string oidc_username_base(const oidc::IdTokenClaims& claims);
// base, then base-2 … base-20 (each at most 64 bytes), for attempt 0, 1, …; nullopt after that.
std::optional<std::string> oidc_username_candidate(std::string_view base, int attempt);
// Team id → role: for each team, the first entry whose claim (in the ID token's payload JSON)
// is a string equal to the value or an array of strings holding it.
std::map<std::string, std::string> mapped_team_roles(const std::vector<TeamMapping>& mapping,
                                                     std::string_view claims_json);

}  // namespace dokkerr::auth
