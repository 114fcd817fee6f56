#pragma once
// What signed-in users manage for themselves beyond their profile: TOTP two-factor sign-in with
// recovery codes, and API keys.
#include "core/audit_trail.hpp"
#include "auth/identity_store.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <memory>
#include <string>

namespace dokkerr {
class BlockingPool;
}
namespace dokkerr::store {
class Database;
}
namespace dokkerr::crypto {
class SecretBox;
}

namespace dokkerr::auth {

class AuthService;

class AccountService {
 public:
  AccountService(store::Database& db, IdentityStore& identity, AuthService& auth,
                 const crypto::SecretBox& secrets, AuditTrail& audit, BlockingPool& pool,
                 std::string issuer_label)
      : db_(db), identity_(identity), auth_(auth), secrets_(secrets), audit_(audit), pool_(pool),
        issuer_label_(std::move(issuer_label)) {}

  using Caller = std::shared_ptr<const Principal>;

  // {"secret": base32, "otpauth_uri": ...}; MFA stays off until confirmed.
  boost::asio::awaitable<std::string> enroll_totp(Caller caller);
  // Turns MFA on; returns {"recovery_codes": [...]} (shown once).
  boost::asio::awaitable<std::string> confirm_totp(Caller caller, std::string code, ClientInfo client);
  boost::asio::awaitable<void> disable_totp(Caller caller, std::string password, std::string code,
                                            ClientInfo client);

  boost::asio::awaitable<std::string> create_api_key(Caller caller, boost::json::object body);
  boost::asio::awaitable<std::string> list_api_keys(Caller caller);
  boost::asio::awaitable<void> revoke_api_key(Caller caller, std::string id);

 private:
  // Verifies a TOTP code of a user and consumes its time step.
  bool consume_code(const User& user, std::string_view code);

  store::Database& db_;
  IdentityStore& identity_;
  AuthService& auth_;
  const crypto::SecretBox& secrets_;
  AuditTrail& audit_;
  BlockingPool& pool_;
  std::string issuer_label_;
};

}  // namespace dokkerr::auth
