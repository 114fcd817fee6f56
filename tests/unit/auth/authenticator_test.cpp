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

constexpr std::string_view kEventsPath = "/api/v1/environments/local/events";
constexpr std::string_view kExecPath = "/api/v1/environments/local/containers/c1/exec";

TEST_F(AuthenticatorTest, ATicketIsWhoItWasIssuedToOnce) {
  const auto pair = login_as("dora");
  const auto ticket =
      run(tickets.issue(authenticate_bearer(pair.access_token), std::string(kEventsPath)));
  http::Credentials credentials;
  credentials.ticket = ticket.value;
  credentials.path = kEventsPath;
  const auto caller = run(authenticator.authenticate(credentials));
  EXPECT_EQ(caller->user_id, "dev");
  EXPECT_EQ(caller->session_id, pair.session_id);
  EXPECT_EQ(caller->auth_method, "ws_ticket");
  EXPECT_EQ(refusal(credentials).code(), "authentication_required") << "single use";

  const auto second =
      run(tickets.issue(authenticate_bearer(pair.access_token), std::string(kEventsPath)));
  sessions.revoke_sessions("dev", "logout", "");
  credentials.ticket = second.value;
  EXPECT_EQ(refusal(credentials).code(), "session_revoked") << "the session it stood for ended";
}

TEST_F(AuthenticatorTest, AKeysTicketCarriesTheKeysLimits) {
  const auto created = run(api_keys.create(
      as("dev"), NewApiKey{"ci", std::vector<std::string>{"containers:read"}, {}, {}}));
  const auto key_caller = authenticate_bearer(created.key);
  const auto ticket = run(tickets.issue(key_caller, std::string(kEventsPath)));
  http::Credentials credentials;
  credentials.ticket = ticket.value;
  credentials.path = kEventsPath;
  const auto caller = run(authenticator.authenticate(credentials));
  EXPECT_EQ(caller->api_key_id, created.record.id);
  EXPECT_TRUE(caller->scopes);
}

TEST_F(AuthenticatorTest, ATicketOpensOnlyThePathItWasIssuedForAndIsSpentTryingAnother) {
  const auto caller = authenticate_bearer(login_as("dora").access_token);
  const auto ticket = run(tickets.issue(caller, std::string(kEventsPath)));
  EXPECT_EQ(ticket.path, kEventsPath);
  http::Credentials credentials;
  credentials.ticket = ticket.value;
  credentials.path = kExecPath;
  EXPECT_EQ(refusal(credentials).code(), "authentication_required")
      << "an events ticket opens no exec";
  credentials.path = kEventsPath;
  EXPECT_EQ(refusal(credentials).code(), "authentication_required") << "spent by the wrong try";
  for (const std::string& path :
       std::vector<std::string>{"", "events", "http://x/api/v1", "/api/v1/x?ticket=1",
                                "/api/v1/a b", "/api/v1/#", "/api/" + std::string(600, 'a')}) {
    EXPECT_THROW(run(tickets.issue(caller, path)), Error) << path;
  }
}

TEST_F(AuthenticatorTest, AStreamsCallerIsLoadedAgainUntilItsAccessEnds) {
  const auto pair = login_as("dora");
  const auto caller = authenticate_bearer(pair.access_token);
  const auto again = run(authenticator.reauthenticate(*caller));
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->user_id, "dev");
  EXPECT_EQ(again->session_id, pair.session_id);
  sessions.revoke_sessions("dev", "logout", "");
  EXPECT_THROW(run(authenticator.reauthenticate(*caller)), Error) << "its session ended";

  const auto created = run(api_keys.create(
      as("dev"), NewApiKey{"ci", std::vector<std::string>{"containers:read"}, {}, {}}));
  const auto key_caller = authenticate_bearer(created.key);
  ASSERT_NE(run(authenticator.reauthenticate(*key_caller)), nullptr);
  run(api_keys.revoke(as("dev"), created.record.id));
  EXPECT_THROW(run(authenticator.reauthenticate(*key_caller)), Error) << "its key was revoked";
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

// The authenticator as the server wires it: callers and accounts remembered between requests,
// dropped when access data changes (the server's WatchedDatabase advances `changes`).
class CachingAuthenticatorTest : public AuthenticatorTest {
 protected:
  Generation changes;
  CallerCache callers{changes, 100};
  users::AccountCache accounts{changes, 100};
  CallerCaches caches{callers, accounts, clock};
  Authenticator cached{
      AuthenticatorDependencies{sessions, tickets, api_keys, mfa, users, access_model, pool},
      &caches};

  std::shared_ptr<const Principal> through_cache(const std::string& bearer) {
    const std::string header = "Bearer " + bearer;
    http::Credentials credentials;
    credentials.authorization = header;
    return run(cached.authenticate(credentials));
  }
  Error cached_refusal(const std::string& bearer) {
    const std::string header = "Bearer " + bearer;
    http::Credentials credentials;
    credentials.authorization = header;
    return failure(cached.authenticate(credentials));
  }
};

TEST_F(CachingAuthenticatorTest, ASecondRequestIsAnsweredFromMemory) {
  const auto pair = login_as("dora");
  const auto first = through_cache(pair.access_token);
  const auto before = access.calls;
  const auto second = through_cache(pair.access_token);
  EXPECT_EQ(access.calls, before);
  EXPECT_EQ(second, first);
  ASSERT_NE(accounts.find("dev", clock.now()), nullptr);
  EXPECT_FALSE(accounts.find("dev", clock.now())->password_hash.has_value());
}

TEST_F(CachingAuthenticatorTest, AChangeToAccessDataIsSeenOnTheNextRequest) {
  const auto pair = login_as("dora");
  through_cache(pair.access_token);
  users.set_disabled("dev", true);
  changes.advance();
  EXPECT_EQ(cached_refusal(pair.access_token).detail(), "This account is disabled.");
  EXPECT_EQ(accounts.find("dev", clock.now()), nullptr);
}

TEST_F(CachingAuthenticatorTest, ARevokedSessionEndsOnceTheChangeIsSeen) {
  const auto pair = login_as("dora");
  through_cache(pair.access_token);
  sessions.revoke_sessions("dev", "logout", "");
  changes.advance();
  EXPECT_EQ(cached_refusal(pair.access_token).code(), "session_revoked");
}

TEST_F(CachingAuthenticatorTest, NothingIsServedPastTheBackstopOrTheTokensExpiry) {
  const auto pair = login_as("dora");
  through_cache(pair.access_token);
  // Disabled behind the cache's back (as by a write the watcher missed): seen within the backstop.
  users.set_disabled("dev", true);
  clock.advance(kCallerCacheLife + 1s);
  EXPECT_EQ(cached_refusal(pair.access_token).detail(), "This account is disabled.");

  users.set_disabled("dev", false);
  const auto again = login_as("dora");
  clock.advance(std::chrono::seconds(token_settings.access_ttl_seconds - 30));
  through_cache(again.access_token);
  clock.advance(31s);  // the token's own expiry comes before the backstop
  const auto before = access.calls;
  through_cache(again.access_token);  // still inside the verifier's leeway, but not from memory
  EXPECT_EQ(access.calls - before, 1);
}

TEST_F(CachingAuthenticatorTest, TicketsAlwaysGoToTheStore) {
  const auto pair = login_as("dora");
  const auto caller = through_cache(pair.access_token);
  const auto ticket = run(tickets.issue(caller, std::string(kEventsPath)));
  http::Credentials credentials;
  credentials.ticket = ticket.value;
  credentials.path = kEventsPath;
  run(cached.authenticate(credentials));
  EXPECT_EQ(failure(cached.authenticate(credentials)).code(), "authentication_required");
}

}  // namespace
}  // namespace dokkerr::auth
