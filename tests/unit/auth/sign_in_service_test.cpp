#include "auth/sign_in_service.hpp"

#include "crypto/totp.hpp"
#include "unit/auth/service_fixture.hpp"
#include "users/password.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

class SignInServiceTest : public testing::AuthTest {
 protected:
  Error login_failure(const std::string& username, const std::string& password,
                      std::optional<std::string> totp = {},
                      std::optional<std::string> recovery = {}) {
    return failure(sign_in.login(LoginRequest{username, password, totp, recovery}, client));
  }
};

TEST_F(SignInServiceTest, TheSetupTokenMakesTheFirstAdminOnce) {
  const auto token = sign_in.prepare_setup();
  ASSERT_TRUE(token);
  EXPECT_TRUE(run(sign_in.setup_pending()));
  EXPECT_EQ(
      failure(sign_in.setup(SetupRequest{"wrong", "admin", testing::kPassword}, client)).code(),
      "invalid_setup_token");
  EXPECT_EQ(audit.with_action("auth.setup").back().result, "failure");
  EXPECT_EQ(
      failure(sign_in.setup(SetupRequest{*token, "bad name", testing::kPassword}, client)).code(),
      "invalid_username");
  EXPECT_EQ(failure(sign_in.setup(SetupRequest{*token, "admin", "short"}, client)).code(),
            "password_too_short");
  const auto user = run(sign_in.setup(SetupRequest{*token, "admin", testing::kPassword}, client));
  EXPECT_TRUE(user.is_admin);
  EXPECT_FALSE(run(sign_in.setup_pending()));
  EXPECT_EQ(audit.with_action("auth.setup").back().result, "success");
  EXPECT_EQ(
      failure(sign_in.setup(SetupRequest{*token, "admin2", testing::kPassword}, client)).code(),
      "setup_complete");
  EXPECT_FALSE(sign_in.prepare_setup()) << "no token once an account exists";
  EXPECT_EQ(login_as("admin").expires_in, 900);
}

TEST_F(SignInServiceTest, NoSetupWithoutAToken) {
  add_account("u1", "alice");
  EXPECT_FALSE(sign_in.prepare_setup());
  EXPECT_EQ(failure(sign_in.setup(SetupRequest{"x", "admin", testing::kPassword}, client)).code(),
            "setup_complete");
}

TEST_F(SignInServiceTest, LoginOpensASessionAndNotesIt) {
  add_account("u1", "alice");
  clock.advance(5s);
  const auto pair = login_as("ALICE");  // usernames compare case-insensitively
  const auto session = sessions.session_of(pair.access_token);
  EXPECT_EQ(session.user_id, "u1");
  EXPECT_EQ(session.auth_method, "password");
  EXPECT_EQ(users.find("u1")->last_login_at, std::optional<std::string>(clock.stamp()));
  const auto success = audit.with_action("auth.login");
  ASSERT_EQ(success.size(), 1U);
  EXPECT_EQ(success[0].result, "success");
  EXPECT_EQ(success[0].actor_id, "u1");
  EXPECT_EQ(success[0].client.remote_address, "192.0.2.7");
}

TEST_F(SignInServiceTest, UnknownAccountsCostOneHashAndGetTheSameAnswer) {
  add_account("u1", "alice");
  add_account("u2", "bob");
  users.set_disabled("u2", true);
  users::User oidc_only;
  oidc_only.id = "u3";
  oidc_only.username = "carol";
  oidc_only.oidc_provider = "https://idp";
  oidc_only.oidc_subject = "s";
  users.insert(oidc_only);
  std::optional<std::string> detail;
  for (const auto* name : {"alice", "nobody", "bob", "carol"}) {
    const auto before = hasher.computations();
    const auto error =
        login_failure(name, name == std::string("alice") ? "wrong password" : testing::kPassword);
    EXPECT_EQ(hasher.computations() - before, 1U) << name;
    EXPECT_EQ(error.code(), "invalid_credentials") << name;
    if (detail) {
      EXPECT_EQ(error.detail(), *detail) << name;
    }
    detail = error.detail();
  }
  EXPECT_EQ(login_failure("", testing::kPassword).code(), "invalid_credentials");
  EXPECT_EQ(login_failure(std::string(65, 'a'), testing::kPassword).code(), "invalid_credentials");
  EXPECT_EQ(login_failure("alice", std::string(1025, 'p')).code(), "invalid_credentials");
}

TEST_F(SignInServiceTest, FiveFailuresLockTheAccountForThirtySecondsThenSixty) {
  add_account("u1", "alice");
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(login_failure("alice", "wrong password").code(), "invalid_credentials");
  const auto locked = login_failure("alice", testing::kPassword);
  EXPECT_EQ(locked.code(), "login_locked");
  EXPECT_EQ(locked.kind(), ErrorKind::rate_limited);
  EXPECT_EQ(locked.detail(), "Too many failed sign-ins; try again in 30 s.");
  EXPECT_EQ(audit.with_action("auth.lockout").size(), 1U);
  EXPECT_EQ(audit.with_action("auth.login").back().detail_json, R"({"reason":"locked"})");
  clock.advance(30s);
  for (int i = 0; i < 5; ++i) login_failure("alice", "wrong password");
  EXPECT_EQ(login_failure("alice", testing::kPassword).detail(),
            "Too many failed sign-ins; try again in 60 s.");
  clock.advance(60s);
  EXPECT_NO_THROW(login_as("alice")) << "always temporary";
  EXPECT_FALSE(throttle_store.records.contains("account:alice")) << "a success forgets failures";
}

TEST_F(SignInServiceTest, TwentyFailuresFromOneAddressLockIt) {
  for (int i = 0; i < 5; ++i) add_account("u" + std::to_string(i), "user" + std::to_string(i));
  for (int i = 0; i < 20; ++i) {
    login_failure("user" + std::to_string(i % 5) + "-typo", "wrong password");
  }
  EXPECT_EQ(login_failure("user0", testing::kPassword).code(), "login_locked");
  client.remote_address = "198.51.100.1";
  EXPECT_NO_THROW(login_as("user0")) << "another address";
}

TEST_F(SignInServiceTest, TheSecondFactorByCodeOrRecoveryCode) {
  add_account("u1", "alice");
  const auto secret = enable_totp("u1");
  mfa_store.replace_recovery_codes("u1", {crypto::recovery_code_hash("k3n7q-x8m2p")});
  EXPECT_EQ(login_failure("alice", testing::kPassword).code(), "mfa_required");
  EXPECT_TRUE(throttle_store.records.empty()) << "asking for the code is not a failure";
  EXPECT_EQ(login_failure("alice", testing::kPassword, "000000").code(), "invalid_mfa_code");
  EXPECT_EQ(throttle_store.records.at("account:alice").failures, 1);
  const auto code = current_code(secret);
  EXPECT_NO_THROW(run(sign_in.login(LoginRequest{"alice", testing::kPassword, code, {}}, client)));
  EXPECT_EQ(login_failure("alice", testing::kPassword, code).code(), "invalid_mfa_code")
      << "a code works once";
  EXPECT_NO_THROW(
      run(sign_in.login(LoginRequest{"alice", testing::kPassword, {}, "K3N7Q X8M2P"}, client)));
  EXPECT_EQ(login_failure("alice", testing::kPassword, {}, "k3n7q-x8m2p").code(),
            "invalid_mfa_code");
  EXPECT_EQ(login_failure("alice", "wrong password", current_code(secret)).code(),
            "invalid_credentials")
      << "the password comes first";
}

TEST_F(SignInServiceTest, HashesMadeWithWeakerParametersAreRemadeAtLogin) {
  auto user = add_account("u1", "alice");
  users.set_password_hash("u1", users::hash_password(testing::kPassword, {512, 1, 1}));
  login_as("alice");
  const auto stored = *users.find("u1")->password_hash;
  EXPECT_NE(stored.find("m=1024"), std::string::npos) << stored;
  EXPECT_EQ(users::verify_password(testing::kPassword, stored, users::testing::kFastArgon2),
            users::PasswordCheck::match);
}

TEST_F(SignInServiceTest, RefreshReportsReuseToTheAuditLog) {
  add_account("u1", "alice");
  const auto pair = login_as("alice");
  const auto next = run(sign_in.refresh(pair.refresh_token, client));
  EXPECT_NE(next.refresh_token, pair.refresh_token);
  clock.advance(11s);
  EXPECT_EQ(failure(sign_in.refresh(pair.refresh_token, client)).code(), "refresh_token_reused");
  const auto reuse = audit.with_action("auth.refresh_token_reuse");
  ASSERT_EQ(reuse.size(), 1U);
  EXPECT_EQ(reuse[0].result, "denied");
  EXPECT_EQ(reuse[0].actor_id, "u1");
  EXPECT_EQ(reuse[0].detail_json, R"({"session_id":")" + pair.session_id + "\"}");
  EXPECT_EQ(failure(sign_in.refresh(next.refresh_token, client)).code(), "invalid_refresh_token");
}

TEST_F(SignInServiceTest, LogoutEndsTheSessionAndKeysHaveNone) {
  add_account("u1", "alice");
  const auto pair = login_as("alice");
  run(sign_in.logout(as("u1", pair.session_id), client));
  EXPECT_FALSE(sessions.live(pair.session_id));
  auto key_caller = std::make_shared<Principal>(*as("u1", ""));
  key_caller->api_key_id = "k1";
  EXPECT_EQ(failure(sign_in.logout(key_caller, client)).code(), "not_a_session");
}

TEST_F(SignInServiceTest, ChangingThePasswordEndsEveryOtherSession) {
  add_account("u1", "alice");
  const auto current = login_as("alice");
  const auto other = login_as("alice");
  const auto caller = as("u1", current.session_id);
  EXPECT_EQ(failure(sign_in.change_password(
                        caller, PasswordChange{"wrong password", "a new long password"}, client))
                .code(),
            "invalid_current_password");
  EXPECT_EQ(
      failure(sign_in.change_password(caller, PasswordChange{testing::kPassword, "short"}, client))
          .code(),
      "password_too_short");
  EXPECT_TRUE(sessions.live(other.session_id));
  run(sign_in.change_password(caller, PasswordChange{testing::kPassword, "a new long password"},
                              client));
  EXPECT_TRUE(sessions.live(current.session_id));
  EXPECT_FALSE(sessions.live(other.session_id));
  EXPECT_NO_THROW(login_as("alice", "a new long password"));
  EXPECT_TRUE(run(sign_in.check_password("u1", "a new long password")));
  EXPECT_FALSE(run(sign_in.check_password("u1", testing::kPassword)));
  EXPECT_FALSE(run(sign_in.check_password("nobody", testing::kPassword)));
}

}  // namespace
}  // namespace dokkerr::auth
