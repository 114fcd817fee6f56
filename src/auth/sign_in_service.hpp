#pragma once
// Signing in with a password: the one-time setup of the first admin, login (throttled, with
// the second factor when the account has one), refresh, logout and changing the password.
#include "auth/session_service.hpp"
#include "core/audit_trail.hpp"
#include "core/principal.hpp"
#include "users/user_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace dokkerr {
class BlockingPool;
class Clock;
}  // namespace dokkerr
namespace dokkerr::users {
class PasswordHasher;
}

namespace dokkerr::auth {

class LoginThrottle;
class MfaService;

struct SetupRequest {
  std::string setup_token, username, password;
};

struct LoginRequest {
  std::string username, password;
  std::optional<std::string> totp_code, recovery_code;
};

struct PasswordChange {
  std::string current, next;
};

struct SignInDependencies {
  users::UserStore& users;
  SessionService& sessions;
  MfaService& mfa;
  LoginThrottle& throttle;
  users::PasswordHasher& hasher;
  AuditTrail& audit;
  const Clock& clock;
  BlockingPool& pool;  // database work; hashing runs on the hasher's own pool
};

class SignInService {
 public:
  using Caller = std::shared_ptr<const Principal>;

  explicit SignInService(SignInDependencies deps) : deps_(deps) {}

  // Blocking, at startup: when no account exists, makes the one-time setup token (returned, to
  // be printed; only its hash is kept); nullopt when setup is done.
  std::optional<std::string> prepare_setup();
  boost::asio::awaitable<bool> setup_pending();
  // The first admin. 409 setup_complete once any account exists (two racing setups create one
  // admin); 401 invalid_setup_token.
  boost::asio::awaitable<users::User> setup(SetupRequest request, ClientInfo client);

  // 401 invalid_credentials for a wrong password, an unknown, password-less or disabled account
  // alike (each costs one hash); 401 mfa_required / invalid_mfa_code for the second factor; 429
  // login_locked while the account (5 failures) or the address (20) is locked out.
  boost::asio::awaitable<TokenPair> login(LoginRequest request, ClientInfo client);
  // 401 refresh_token_reused (the session is revoked now) or invalid_refresh_token.
  boost::asio::awaitable<TokenPair> refresh(std::string refresh_token, ClientInfo client);
  boost::asio::awaitable<void> logout(Caller caller, ClientInfo client);
  // Every other session of the account ends; the one that changed it stays. 403
  // invalid_current_password.
  boost::asio::awaitable<void> change_password(Caller caller, PasswordChange change,
                                               ClientInfo client);
  // The account's password, for re-authentication; costs one hash whatever the account.
  boost::asio::awaitable<bool> check_password(std::string user_id, std::string password);

 private:
  boost::asio::awaitable<void> record(std::string action, std::string result,
                                      const ClientInfo& client, std::string actor_name,
                                      std::string detail_json = "{}",
                                      const Principal* actor = nullptr);
  // Counts a failed login for the account and the address; audits it (and a lockout it caused).
  boost::asio::awaitable<void> count_failure(const std::string& account_key,
                                             const std::string& address_key,
                                             const std::string& username, std::string reason,
                                             const ClientInfo& client);

  SignInDependencies deps_;
  std::mutex setup_mutex_;
  std::optional<std::string> setup_token_hash_;
};

}  // namespace dokkerr::auth
