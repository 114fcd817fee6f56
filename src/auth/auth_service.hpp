#pragma once
// Signing in and proving who you are on each request: the first-admin setup, password login
// with throttling and MFA, refresh, logout, password change, WebSocket tickets, and the guard
// that turns a request's credentials into a Principal.
#include "core/audit_trail.hpp"
#include "auth/identity_store.hpp"
#include "auth/session_service.hpp"
#include "core/clock.hpp"
#include "http/pipeline.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace dokkerr {
class BlockingPool;
class Logger;
}  // namespace dokkerr
namespace dokkerr::crypto {
class SecretBox;
}

namespace dokkerr::auth {

struct ThrottleSettings {
  int account_failures = 5;    // failed logins per account within the window before a lockout
  int address_failures = 20;   // per client address
  std::int64_t window_seconds = 15 * 60;
  std::int64_t first_lockout_seconds = 30;  // doubles with each lockout in a row
  std::int64_t max_lockout_seconds = 15 * 60;
};

struct AuthDependencies {
  store::Database& db;
  BlockingPool& db_pool;
  BlockingPool& hash_pool;  // argon2 runs here, apart from database work
  IdentityStore& identity;
  SessionService& sessions;
  const crypto::SecretBox& secrets;
  AuditTrail& audit;
  Logger& logger;
};

struct LoginRequest {
  std::string username, password;
  std::optional<std::string> totp_code, recovery_code;
};

class AuthService final : public http::Authenticator {
 public:
  AuthService(AuthDependencies deps, Argon2Params argon2, ThrottleSettings throttle);

  // Blocking, at startup: when no account exists, makes the one-time setup token (returned, to
  // be printed); nullopt when setup is done.
  std::optional<std::string> prepare_setup();
  // Blocking: true while no account exists.
  bool setup_pending();

  boost::asio::awaitable<User> setup(std::string token, std::string username, std::string password,
                                     ClientInfo client);
  boost::asio::awaitable<TokenPair> login(LoginRequest request, ClientInfo client);
  boost::asio::awaitable<TokenPair> refresh(std::string refresh_token, ClientInfo client);
  boost::asio::awaitable<void> logout(std::shared_ptr<const Principal> caller, ClientInfo client);
  boost::asio::awaitable<void> change_password(std::shared_ptr<const Principal> caller,
                                               std::string current, std::string next,
                                               ClientInfo client);
  // Checks a password of an account (for re-authentication, e.g. disabling MFA).
  boost::asio::awaitable<bool> check_password(std::string user_id, std::string password);
  boost::asio::awaitable<std::string> ws_ticket(std::shared_ptr<const Principal> caller);

  // Hashes a new password after checking the rules (also used by admin user creation).
  boost::asio::awaitable<std::string> hash_new_password(std::string password);
  std::string hash_new_password_blocking(std::string_view password) const;

  // The pipeline's authentication stage: access token, API key or WebSocket ticket.
  boost::asio::awaitable<std::shared_ptr<const Principal>> authenticate(
      const http::Credentials& credentials) override;

  // Which callers must have a second factor before they may do anything but enrol one:
  // any of "platform_admin", "org_admin" (org:manage anywhere), "team_admin" (team:manage
  // anywhere), "everyone". Stored in the settings table (shared by replicas).
  boost::asio::awaitable<std::string> mfa_requirement();
  boost::asio::awaitable<std::string> set_mfa_requirement(std::string body);

  // Builds the principal of an account (blocking).
  std::shared_ptr<Principal> principal_for(const User& user);

 private:
  std::shared_ptr<Principal> from_access_token(std::string_view token);
  std::shared_ptr<Principal> from_api_key(std::string_view key);
  std::shared_ptr<Principal> from_ticket(std::string_view ticket);
  // column is "key_hash" or "id" (fixed strings, never client input).
  std::shared_ptr<Principal> api_key_principal(std::string_view column, std::string value);
  boost::asio::awaitable<void> record(std::string action, std::string result,
                                      const ClientInfo& client, std::string actor_name,
                                      std::string detail_json = "{}",
                                      const Principal* actor = nullptr);
  // Returns seconds left when the key is locked out.
  std::optional<std::int64_t> locked(std::string_view key);
  // Counts a failure; returns true when it started a lockout.
  bool count_failure(std::string_view key, int threshold);
  void clear_failures(std::string_view key);
  // Blocking: true when the settings require a second factor of this caller and it has none.
  bool needs_mfa_enrollment(const Principal& principal);

  AuthDependencies deps_;
  Argon2Params argon2_;
  ThrottleSettings throttle_;
  std::string dummy_hash_;  // verified against for unknown accounts, so they cost the same
  mutable std::mutex setup_mutex_;
  std::optional<std::string> setup_token_hash_;
  SystemClock system_clock_;  // transitional, until the service is handed a Clock
};

}  // namespace dokkerr::auth
