#pragma once
// Every auth service, wired as the server wires them, over in-memory stores, a manual clock,
// a JWT key ring in a temporary directory and a fixed master key.
#include "auth/api_key_service.hpp"
#include "auth/authenticator.hpp"
#include "auth/login_throttle.hpp"
#include "auth/mfa_service.hpp"
#include "auth/oidc_service.hpp"
#include "auth/session_service.hpp"
#include "auth/sign_in_service.hpp"
#include "auth/ticket_service.hpp"
#include "core/logger.hpp"
#include "crypto/jwt.hpp"
#include "crypto/secret_box.hpp"
#include "crypto/totp.hpp"
#include "unit/auth/fakes.hpp"
#include "unit/users/service_fixture.hpp"
#include "users/password.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace dokkerr::auth::testing {

inline std::filesystem::path temporary_directory() {
  std::string pattern = (std::filesystem::temp_directory_path() / "dokkerr-auth-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

inline const std::string kPassword = "correct horse battery";

class AuthTest : public users::testing::ServiceTest {
 protected:
  ~AuthTest() override {
    std::error_code ec;
    std::filesystem::remove_all(keys_dir, ec);
  }

  // An account with a password (and, when asked, a confirmed second factor; its raw secret is
  // returned through totp_secret).
  users::User add_account(const std::string& id, const std::string& username, bool admin = false) {
    users::User user;
    user.id = id;
    user.username = username;
    user.is_admin = admin;
    user.password_hash = users::hash_password(kPassword, users::testing::kFastArgon2);
    user.created_at = user.updated_at = clock.stamp();
    users.insert(user);
    return user;
  }
  std::string enable_totp(const std::string& user_id) {
    const auto secret = crypto::new_totp_secret();
    users.set_mfa(user_id, false, secrets.seal(secret, "mfa:" + user_id));
    users.enable_mfa(user_id);
    return secret;
  }
  std::string current_code(const std::string& secret) {
    return crypto::totp_code(secret, clock.unix_seconds());
  }
  TokenPair login_as(const std::string& username, std::string password = kPassword) {
    return run(sign_in.login(LoginRequest{username, std::move(password), {}, {}}, client));
  }
  std::shared_ptr<const Principal> authenticate_bearer(const std::string& credential) {
    const std::string header = "Bearer " + credential;
    http::Credentials credentials;
    credentials.authorization = header;
    return run(authenticator.authenticate(credentials));
  }

  ClientInfo client{"192.0.2.7", "test-agent", "req-1"};
  std::filesystem::path keys_dir = temporary_directory();
  crypto::JwtKeyRing keys = crypto::JwtKeyRing::load_or_create(
      keys_dir / "jwt", crypto::JwtAlgorithm::hs256, clock.unix_seconds(), 3600);
  crypto::SecretBox secrets{std::string(32, 'k')};
  Logger logger{LogLevel::error};
  RecordingAuditTrail audit;
  FakeSessionStore session_store{clock};
  FakeTicketStore ticket_store{clock};
  FakeThrottleStore throttle_store;
  FakeApiKeyStore api_key_store{clock};
  FakeMfaStore mfa_store{clock};
  FakeOidcStore oidc_store{clock};
  FakeSettingsStore settings;
  FakeOidcProvider provider;
  TokenSettings token_settings;
  SessionService sessions{session_store, keys, token_settings, clock, pool};
  TicketService tickets{ticket_store, clock, pool, token_settings.ws_ticket_ttl_seconds};
  LoginThrottle throttle{throttle_store, clock};
  ApiKeyService api_keys{api_key_store, clock, pool};
  MfaService mfa{
      MfaDependencies{users, mfa_store, settings, hasher, secrets, audit, clock, pool, sessions},
      "Dokkerr"};
  SignInService sign_in{
      SignInDependencies{users, sessions, mfa, throttle, hasher, audit, clock, pool}};
  OidcService oidc{OidcDependencies{oidc_store, users, teams, orgs, sessions, provider, secrets,
                                    audit, logger, clock, pool}};
  Authenticator authenticator{
      AuthenticatorDependencies{sessions, tickets, api_keys, mfa, users, access_model, pool}};
};

}  // namespace dokkerr::auth::testing
