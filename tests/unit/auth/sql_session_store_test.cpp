#include "auth/session_store.hpp"
#include "unit/auth/sql_fixture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

class SqlSessionStoreTest : public testing::SqlAuthTest {
 protected:
  void SetUp() override {
    SqlAuthTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_session_store(db(), clock);
    add_user("u1");
    add_user("u2");
  }
  void TearDown() override {
    store_.reset();
    SqlAuthTest::TearDown();
  }
  SessionStore& sessions() { return *store_; }

  // A session of `user` living `ttl`, with refresh token `hash` living `token_ttl`.
  void open(const std::string& id, const std::string& user, const std::string& hash,
            std::chrono::seconds ttl = 3600s, std::chrono::seconds token_ttl = 600s) {
    SessionRecord session{id,
                          user,
                          "password",
                          "127.0.0.1",
                          "agent",
                          clock.stamp(),
                          clock.stamp(),
                          clock.stamp_in(ttl),
                          {},
                          {}};
    sessions().open(session,
                    RefreshTokenRecord{hash, id, clock.stamp(), clock.stamp_in(token_ttl)});
  }
  RefreshTokenRecord successor(const std::string& hash) {
    return RefreshTokenRecord{hash, "", clock.stamp(), clock.stamp_in(600s)};
  }
  RefreshClaim claim(const std::string& hash, const std::string& next,
                     std::chrono::seconds grace = 10s) {
    return sessions().claim(hash, clock.stamp_in(-grace), successor(next));
  }

 private:
  std::unique_ptr<SessionStore> store_;
};

TEST_P(SqlSessionStoreTest, OpensFindsAndListsLiveSessions) {
  open("s1", "u1", "h1");
  clock.advance(1s);
  open("s2", "u1", "h2", 30s);
  open("s3", "u2", "h3");
  const auto found = sessions().find_live("s1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, "u1");
  EXPECT_EQ(found->auth_method, "password");
  EXPECT_EQ(found->client_address, "127.0.0.1");
  EXPECT_EQ(found->user_agent, "agent");
  auto listed = sessions().list_live("u1", 200);
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0].id, "s2") << "newest first";
  EXPECT_EQ(sessions().list_live("u1", 1).size(), 1U);
  clock.advance(31s);
  EXPECT_FALSE(sessions().find_live("s2")) << "expired";
  EXPECT_EQ(sessions().list_live("u1", 200).size(), 1U);
  EXPECT_FALSE(sessions().find_live("nope"));
}

TEST_P(SqlSessionStoreTest, RevokesOneOrAllButOne) {
  open("s1", "u1", "h1");
  open("s2", "u1", "h2");
  open("s3", "u1", "h3");
  open("s4", "u2", "h4");
  EXPECT_FALSE(sessions().revoke("u2", "s1", "revoked")) << "only the owner's";
  EXPECT_TRUE(sessions().revoke("u1", "s1", "revoked"));
  EXPECT_FALSE(sessions().revoke("u1", "s1", "revoked")) << "once";
  EXPECT_FALSE(sessions().find_live("s1"));
  EXPECT_EQ(sessions().revoke_all("u1", "password_change", "s3"), 1);
  EXPECT_FALSE(sessions().find_live("s2"));
  EXPECT_TRUE(sessions().find_live("s3"));
  EXPECT_TRUE(sessions().find_live("s4"));
  EXPECT_EQ(sessions().revoke_all("u1", "disabled", ""), 1);
  EXPECT_FALSE(sessions().find_live("s3"));
  const auto rows = db().query("SELECT revoke_reason FROM sessions WHERE id = 's2'");
  EXPECT_EQ(rows.at(0).text(0), "password_change");
}

TEST_P(SqlSessionStoreTest, ARefreshTokenRotatesOnceThenGetsGraceThenRevokes) {
  open("s1", "u1", "h1");
  clock.advance(2s);
  auto first = claim("h1", "h2");
  EXPECT_EQ(first.outcome, RefreshOutcome::rotated);
  EXPECT_EQ(first.session_id, "s1");
  EXPECT_EQ(first.user_id, "u1");
  EXPECT_EQ(sessions().find_live("s1")->last_used_at, clock.stamp());
  clock.advance(10s);
  EXPECT_EQ(claim("h1", "h3").outcome, RefreshOutcome::grace_reissue) << "at the window's edge";
  clock.advance(1ms);
  const auto reuse = claim("h1", "h4");
  EXPECT_EQ(reuse.outcome, RefreshOutcome::reuse_detected);
  EXPECT_EQ(reuse.session_id, "s1");
  EXPECT_FALSE(sessions().find_live("s1"));
  EXPECT_EQ(claim("h2", "h5").outcome, RefreshOutcome::invalid) << "the family is revoked";
  EXPECT_EQ(claim("h3", "h6").outcome, RefreshOutcome::invalid);
  EXPECT_EQ(count("SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = 'h4'"), 0);
  EXPECT_EQ(db().query("SELECT revoke_reason FROM sessions").at(0).text(0), "refresh_token_reuse");
}

TEST_P(SqlSessionStoreTest, ExpiredTokensSessionsAndUnknownTokensAreInvalid) {
  open("s1", "u1", "h1", 3600s, 5s);
  open("s2", "u1", "h2", 5s, 600s);
  EXPECT_EQ(claim("nope", "x").outcome, RefreshOutcome::invalid);
  EXPECT_TRUE(claim("nope", "x").session_id.empty());
  clock.advance(6s);
  const auto expired = claim("h1", "h3");
  EXPECT_EQ(expired.outcome, RefreshOutcome::invalid);
  EXPECT_EQ(expired.session_id, "s1");
  EXPECT_EQ(claim("h2", "h4").outcome, RefreshOutcome::invalid);
  EXPECT_EQ(count("SELECT COUNT(*) FROM refresh_tokens"), 2) << "no successor stored";
  EXPECT_TRUE(sessions().find_live("s1")) << "an expired token revokes nothing";
}

TEST_P(SqlSessionStoreTest, AZeroGraceWindowRevokesTheFirstRepeat) {
  open("s1", "u1", "h1");
  EXPECT_EQ(claim("h1", "h2", 0s).outcome, RefreshOutcome::rotated);
  clock.advance(1ms);
  EXPECT_EQ(claim("h1", "h3", 0s).outcome, RefreshOutcome::reuse_detected);
}

TEST_P(SqlSessionStoreTest, OfConcurrentRefreshesExactlyOneRotates) {
  open("s1", "u1", "h1");
  std::atomic<int> rotated{0}, reissued{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      try {
        const auto result = claim("h1", "next-" + std::to_string(t));
        if (result.outcome == RefreshOutcome::rotated) ++rotated;
        if (result.outcome == RefreshOutcome::grace_reissue) ++reissued;
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::unavailable) << e.code();  // busy: the client retries
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_TRUE(sessions().find_live("s1")) << "racing tabs within the window revoke nothing";
}

TEST_P(SqlSessionStoreTest, DeletingTheAccountTakesItsSessionsAndTokens) {
  open("s1", "u1", "h1");
  open("s2", "u2", "h2");
  EXPECT_TRUE(users().remove("u1"));
  EXPECT_FALSE(sessions().find_live("s1"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM refresh_tokens"), 1);
  EXPECT_TRUE(sessions().find_live("s2"));
}

DOKKERR_INSTANTIATE_BACKENDS(SqlSessionStoreTest);

}  // namespace
}  // namespace dokkerr::auth
