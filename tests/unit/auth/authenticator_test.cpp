#include "auth/authenticator.hpp"

#include "core/permissions.hpp"
#include "unit/auth/service_fixture.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

class AuthenticatorTest : public testing::AuthTest {
 protected:
  void SetUp() override {
    add_account("dev", "dora");
    add_org("o1", "acme");
    add_team("t1", "o1", "dev");
    teams.put_member("t1", "dev", "developer");
    grants.put(users::Grant{"local", "team", "t1", "t"});
  }
  Error refusal(const http::Credentials& credentials) {
    return failure(authenticator.authenticate(credentials));
  }
  Error refusal_of(const std::string& bearer) {
    const std::string header = "Bearer " + bearer;
    http::Credentials credentials;
    credentials.authorization = header;
    return refusal(credentials);
  }
};

TEST_F(AuthenticatorTest, AnAccessTokenIsItsAccountWithItsPermissions) {
  const auto pair = login_as("dora");
  const auto caller = authenticate_bearer(pair.access_token);
  EXPECT_EQ(caller->user_id, "dev");
  EXPECT_EQ(caller->username, "dora");
  EXPECT_EQ(caller->session_id, pair.session_id);
  EXPECT_EQ(caller->auth_method, "password");
  EXPECT_TRUE(caller->has_in_team("t1", perm::containers_create));
  EXPECT_TRUE(caller->sees_environment("local"));
  EXPECT_FALSE(caller->mfa_enrollment_required);
  EXPECT_FALSE(caller->scopes);
}

TEST_F(AuthenticatorTest, NoCredentialOrAnOversizedOneIsRefused) {
  EXPECT_EQ(refusal(http::Credentials{}).code(), "authentication_required");
  const std::string huge = "Bearer " + std::string(9000, 'a');
  http::Credentials credentials;
  credentials.authorization = huge;
  EXPECT_EQ(refusal(credentials).detail(), "The credential is too long.");
  credentials.authorization = "Basic dXNlcjpwYXNz";
  EXPECT_EQ(refusal(credentials).code(), "authentication_required");
}

TEST_F(AuthenticatorTest, EndedSessionsAndDisabledAccountsAreRefused) {
  const auto pair = login_as("dora");
  sessions.revoke_sessions("dev", "logout", "");
  EXPECT_EQ(refusal_of(pair.access_token).code(), "session_revoked");
  const auto again = login_as("dora");
  users.set_disabled("dev", true);
  EXPECT_EQ(refusal_of(again.access_token).detail(), "This account is disabled.");
}

TEST_F(AuthenticatorTest, AnApiKeyIsItsOwnerNarrowedToTheKey) {
  const auto created = run(api_keys.create(
      as("dev"), NewApiKey{"ci", std::vector<std::string>{"containers:read"}, {}, {}}));
  for (const bool in_header : {false, true}) {
    http::Credentials credentials;
    const std::string bearer = "Bearer " + created.key;
    if (in_header) {
      credentials.api_key = created.key;
    } else {
      credentials.authorization = bearer;
    }
    const auto caller = run(authenticator.authenticate(credentials));
    EXPECT_EQ(caller->api_key_id, created.record.id);
    EXPECT_EQ(caller->auth_method, "api_key");
    EXPECT_TRUE(caller->has_in_team("t1", perm::containers_read));
    EXPECT_FALSE(caller->has_in_team("t1", perm::containers_create));
  }
  run(api_keys.revoke(as("dev"), created.record.id));
  EXPECT_EQ(refusal_of(created.key).detail(), "This API key is revoked.");
}

TEST_F(AuthenticatorTest, ATicketIsWhoItWasIssuedToOnce) {
  const auto pair = login_as("dora");
  const auto ticket = run(tickets.issue(authenticate_bearer(pair.access_token)));
  http::Credentials credentials;
  credentials.ticket = ticket.value;
  const auto caller = run(authenticator.authenticate(credentials));
  EXPECT_EQ(caller->user_id, "dev");
  EXPECT_EQ(caller->session_id, pair.session_id);
  EXPECT_EQ(caller->auth_method, "ws_ticket");
  EXPECT_EQ(refusal(credentials).code(), "authentication_required") << "single use";

  const auto second = run(tickets.issue(authenticate_bearer(pair.access_token)));
  sessions.revoke_sessions("dev", "logout", "");
  credentials.ticket = second.value;
  EXPECT_EQ(refusal(credentials).code(), "session_revoked") << "the session it stood for ended";
}

TEST_F(AuthenticatorTest, AKeysTicketCarriesTheKeysLimits) {
  const auto created = run(api_keys.create(
      as("dev"), NewApiKey{"ci", std::vector<std::string>{"containers:read"}, {}, {}}));
  const auto key_caller = authenticate_bearer(created.key);
  const auto ticket = run(tickets.issue(key_caller));
  http::Credentials credentials;
  credentials.ticket = ticket.value;
  const auto caller = run(authenticator.authenticate(credentials));
  EXPECT_EQ(caller->api_key_id, created.record.id);
  EXPECT_TRUE(caller->scopes);
}

TEST_F(AuthenticatorTest, AccountsThatMustEnrolASecondFactorAreMarked) {
  run(mfa.set_requirement({"everyone"}));
  const auto pair = login_as("dora");
  EXPECT_TRUE(authenticate_bearer(pair.access_token)->mfa_enrollment_required);
  // On a route that lets such callers through anyway, the requirement is not looked up.
  const std::string bearer = "Bearer " + pair.access_token;
  http::Credentials exempt;
  exempt.authorization = bearer;
  exempt.enrolment_matters = false;
  EXPECT_FALSE(run(authenticator.authenticate(exempt))->mfa_enrollment_required);
  const auto created = run(api_keys.create(
      as("dev"), NewApiKey{"ci", std::vector<std::string>{"containers:read"}, {}, {}}));
  EXPECT_FALSE(authenticate_bearer(created.key)->mfa_enrollment_required)
      << "keys are exempt: their owner enrols, not the script";
  enable_totp("dev");
  EXPECT_FALSE(authenticate_bearer(pair.access_token)->mfa_enrollment_required);
}

TEST_F(AuthenticatorTest, OneTripToTheAccessStorePerRequest) {
  const auto pair = login_as("dora");
  const auto before = access.calls;
  authenticate_bearer(pair.access_token);
  EXPECT_EQ(access.calls - before, 1);
}

}  // namespace
}  // namespace dokkerr::auth
