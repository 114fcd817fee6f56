#include "auth/session_service.hpp"

#include "auth/opaque_secret.hpp"
#include "unit/auth/service_fixture.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

class SessionServiceTest : public testing::AuthTest {
 protected:
  void SetUp() override { add_account("u1", "alice"); }
  TokenPair open() { return sessions.open("u1", "password", client); }
  RefreshResult refresh(const std::string& token) { return sessions.refresh(token); }
};

TEST_F(SessionServiceTest, OpensASessionWithAnAccessTokenAndARefreshToken) {
  const auto pair = open();
  EXPECT_TRUE(pair.refresh_token.starts_with("dkr_"));
  EXPECT_EQ(pair.expires_in, 900);
  const auto session = sessions.session_of(pair.access_token);
  EXPECT_EQ(session.id, pair.session_id);
  EXPECT_EQ(session.user_id, "u1");
  EXPECT_EQ(session.auth_method, "password");
  EXPECT_EQ(session.client_address, "192.0.2.7");
  EXPECT_EQ(session.user_agent, "test-agent");
  EXPECT_EQ(session_store.tokens.count(secret_hash(pair.refresh_token)), 1U)
      << "only the hash is kept";
}

TEST_F(SessionServiceTest, RefreshRotatesOnce) {
  const auto first = open();
  clock.advance(1s);
  const auto rotated = refresh(first.refresh_token);
  ASSERT_EQ(rotated.outcome, RefreshOutcome::rotated);
  ASSERT_TRUE(rotated.tokens);
  EXPECT_NE(rotated.tokens->refresh_token, first.refresh_token);
  EXPECT_EQ(rotated.tokens->session_id, first.session_id);
  EXPECT_EQ(sessions.session_of(rotated.tokens->access_token).id, first.session_id);
  EXPECT_EQ(refresh(rotated.tokens->refresh_token).outcome, RefreshOutcome::rotated)
      << "the successor works once in its turn";
}

TEST_F(SessionServiceTest, ARepeatWithinTheGraceWindowGetsAPairAndRevokesNothing) {
  const auto first = open();
  ASSERT_EQ(refresh(first.refresh_token).outcome, RefreshOutcome::rotated);
  clock.advance(10s);  // the edge of the window still counts
  const auto repeat = refresh(first.refresh_token);
  EXPECT_EQ(repeat.outcome, RefreshOutcome::grace_reissue);
  ASSERT_TRUE(repeat.tokens);
  EXPECT_EQ(sessions.session_of(repeat.tokens->access_token).id, first.session_id);
}

TEST_F(SessionServiceTest, ReuseAfterTheWindowRevokesTheWholeSession) {
  const auto first = open();
  const auto rotated = refresh(first.refresh_token);
  clock.advance(10s + 1ms);
  const auto reuse = refresh(first.refresh_token);
  EXPECT_EQ(reuse.outcome, RefreshOutcome::reuse_detected);
  EXPECT_FALSE(reuse.tokens);
  EXPECT_EQ(reuse.session_id, first.session_id);
  EXPECT_EQ(reuse.user_id, "u1");
  EXPECT_FALSE(sessions.live(first.session_id));
  EXPECT_EQ(refresh(rotated.tokens->refresh_token).outcome, RefreshOutcome::invalid);
  try {
    sessions.session_of(rotated.tokens->access_token);
    ADD_FAILURE() << "the rotated access token must die with its session";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "session_revoked");
  }
}

TEST_F(SessionServiceTest, AZeroWindowRevokesOnTheFirstRepeat) {
  token_settings.refresh_grace_seconds = 0;
  SessionService strict{session_store, keys, token_settings, clock, pool};
  const auto first = strict.open("u1", "password", client);
  ASSERT_EQ(strict.refresh(first.refresh_token).outcome, RefreshOutcome::rotated);
  EXPECT_EQ(strict.refresh(first.refresh_token).outcome, RefreshOutcome::reuse_detected)
      << "even within the same millisecond";
}

TEST_F(SessionServiceTest, RefreshTokensExpireWhenIdleAndSessionsAtTheirAbsoluteLimit) {
  const auto idle = open();
  clock.advance(std::chrono::seconds(token_settings.refresh_ttl_seconds) + 1s);
  EXPECT_EQ(refresh(idle.refresh_token).outcome, RefreshOutcome::invalid) << "idle limit";

  clock.set(ManualClock{}.now());
  auto pair = open();
  // Refreshing keeps a session alive, but never past its absolute limit.
  for (auto spent = 0s; spent < std::chrono::seconds(token_settings.session_ttl_seconds);
       spent += 7 * 24h) {
    clock.advance(7 * 24h);
    const auto next = refresh(pair.refresh_token);
    if (next.outcome != RefreshOutcome::rotated) {
      EXPECT_EQ(next.outcome, RefreshOutcome::invalid);
      EXPECT_GE(spent + 7 * 24h, std::chrono::seconds(token_settings.session_ttl_seconds));
      return;
    }
    pair = *next.tokens;
  }
  ADD_FAILURE() << "the session outlived its absolute limit";
}

TEST_F(SessionServiceTest, AccessTokensExpire) {
  const auto pair = open();
  clock.advance(std::chrono::seconds(token_settings.access_ttl_seconds) + 31s);  // + leeway
  try {
    sessions.session_of(pair.access_token);
    ADD_FAILURE() << "an expired access token was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "token_expired");
  }
}

TEST_F(SessionServiceTest, ForeignTokensAreRefusedWithoutALookup) {
  EXPECT_EQ(refresh("not-ours").outcome, RefreshOutcome::invalid);
  EXPECT_EQ(refresh("dkr_" + std::string(200, 'a')).outcome, RefreshOutcome::invalid);
  EXPECT_EQ(refresh("dkr_unknown").outcome, RefreshOutcome::invalid);
  try {
    sessions.session_of("eyJhbGciOiJub25lIn0.e30.");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "invalid_token");
  }
}

TEST_F(SessionServiceTest, RevokesOneOrAllButTheCurrent) {
  const auto a = open();
  const auto b = open();
  const auto c = open();
  auto caller = as("u1", a.session_id);
  EXPECT_EQ(run(sessions.list_mine(caller)).size(), 3U);
  run(sessions.end_mine(caller, b.session_id));
  EXPECT_FALSE(sessions.live(b.session_id));
  EXPECT_EQ(failure(sessions.end_mine(caller, b.session_id)).code(), "session_not_found");
  EXPECT_EQ(failure(sessions.end_mine(caller, "someone-elses")).code(), "session_not_found");
  sessions.revoke_sessions("u1", "role_change", a.session_id);
  EXPECT_TRUE(sessions.live(a.session_id)) << "the kept session";
  EXPECT_FALSE(sessions.live(c.session_id));
  EXPECT_EQ(session_store.sessions.at(c.session_id).revoke_reason,
            std::optional<std::string>("role_change"));
  run(sessions.end_all_mine(caller));
  EXPECT_TRUE(run(sessions.list_mine(caller)).empty());
}

}  // namespace
}  // namespace dokkerr::auth
