#pragma once
// The pipeline's authentication stage: an access token (Authorization: Bearer), an API key
// (Bearer dk_… or X-API-Key) or a WebSocket ticket (?ticket= on an upgrade) becomes the caller,
// with its permissions, in one trip to the database pool. Sets
// Principal::mfa_enrollment_required when the caller's role needs a second factor it lacks.
//
// With CallerCaches, a credential seen before is answered from memory: the caller it stood for,
// until the earliest of the token's or key's expiry, its session's expiry and a 60 s backstop,
// and only while no access data has changed since it was loaded (auth/access_changes.hpp).
// WebSocket tickets are single use and always go to the database.
#include "core/expiring_cache.hpp"
#include "core/principal.hpp"
#include "http/pipeline.hpp"
#include "users/account_cache.hpp"

#include <chrono>
#include <memory>
#include <utility>

namespace dokkerr {
class BlockingPool;
class Clock;
}  // namespace dokkerr
namespace dokkerr::users {
class AccessModel;
class UserStore;
struct User;
}  // namespace dokkerr::users

namespace dokkerr::auth {

class ApiKeyService;
struct ApiKeyRecord;
class MfaService;
class SessionService;
class TicketService;

struct AuthenticatorDependencies {
  SessionService& sessions;
  TicketService& tickets;
  ApiKeyService& api_keys;
  MfaService& mfa;
  users::UserStore& users;
  users::AccessModel& access;
  BlockingPool& pool;
};

using CallerCache = ExpiringCache<Principal>;

// The backstop: how long a cached caller may be served without a change being seen.
inline constexpr std::chrono::seconds kCallerCacheLife{60};

struct CallerCaches {
  CallerCache& callers;           // by credential
  users::AccountCache& accounts;  // by account id (filled here, read by GET /me)
  const Clock& clock;
};

class Authenticator final : public http::Authenticator {
 public:
  explicit Authenticator(AuthenticatorDependencies deps, const CallerCaches* caches = nullptr)
      : deps_(deps), caches_(caches) {}

  boost::asio::awaitable<std::shared_ptr<const Principal>> authenticate(
      const http::Credentials& credentials) override;
  // Never from the cache: a stream's caller is checked against the database itself.
  boost::asio::awaitable<std::shared_ptr<const Principal>> reauthenticate(
      const Principal& before) override;

 private:
  // A caller and the last instant it may be served from the cache.
  using Resolved = std::pair<std::shared_ptr<Principal>, TimePoint>;

  // Blocking.
  Resolved from_access_token(std::string_view token);
  Resolved from_api_key(std::string_view key);
  std::shared_ptr<Principal> from_ticket(std::string_view ticket, std::string_view path);
  std::shared_ptr<Principal> again(const Principal& before);
  Resolved as_key(const ApiKeyRecord& key);
  // The account, unless it is gone or disabled (401).
  users::User active_user(std::string_view id);
  [[nodiscard]] TimePoint cache_deadline() const;

  AuthenticatorDependencies deps_;
  const CallerCaches* caches_;
};

}  // namespace dokkerr::auth
