#include "auth/api_key_store.hpp"
#include "unit/auth/sql_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

class SqlApiKeyStoreTest : public testing::SqlAuthTest {
 protected:
  void SetUp() override {
    SqlAuthTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_api_key_store(db(), clock);
    add_user("u1");
    add_user("u2");
  }
  void TearDown() override {
    store_.reset();
    SqlAuthTest::TearDown();
  }
  ApiKeyStore& keys() { return *store_; }
  ApiKeyRecord key(const std::string& id, const std::string& user) {
    return ApiKeyRecord{
        id, user, "key " + id, "dk_" + id, "hash-" + id, {"containers:read"}, {}, clock.stamp(),
        {}, {},   {}};
  }

 private:
  std::unique_ptr<ApiKeyStore> store_;
};

TEST_P(SqlApiKeyStoreTest, InsertsFindsAndListsNewestFirst) {
  auto bound = key("k1", "u1");
  bound.scopes = {"containers:read", "images:pull"};
  bound.team_id = "t1";
  bound.expires_at = "2030-01-01T00:00:00.000Z";
  EXPECT_TRUE(keys().insert_within_limit(bound, 100));
  clock.advance(1s);
  EXPECT_TRUE(keys().insert_within_limit(key("k2", "u1"), 100));
  EXPECT_TRUE(keys().insert_within_limit(key("k3", "u2"), 100));
  const auto found = keys().find_by_hash("hash-k1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "k1");
  EXPECT_EQ(found->scopes, (std::vector<std::string>{"containers:read", "images:pull"}));
  EXPECT_EQ(found->team_id, std::optional<std::string>("t1"));
  EXPECT_EQ(found->expires_at, std::optional<std::string>("2030-01-01T00:00:00.000Z"));
  EXPECT_FALSE(found->revoked_at);
  EXPECT_FALSE(found->last_used_at);
  EXPECT_EQ(keys().find("k2")->key_hash, "hash-k2");
  EXPECT_FALSE(keys().find("k9"));
  EXPECT_FALSE(keys().find_by_hash("k1"));
  const auto listed = keys().list_for_user("u1");
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0].id, "k2");
  EXPECT_EQ(listed[1].id, "k1");
}

TEST_P(SqlApiKeyStoreTest, TheLimitCountsKeysThatAreNotRevoked) {
  EXPECT_TRUE(keys().insert_within_limit(key("k1", "u1"), 2));
  EXPECT_TRUE(keys().insert_within_limit(key("k2", "u1"), 2));
  EXPECT_FALSE(keys().insert_within_limit(key("k3", "u1"), 2));
  EXPECT_TRUE(keys().insert_within_limit(key("k4", "u2"), 2)) << "per owner";
  EXPECT_TRUE(keys().revoke("k1", "u1"));
  EXPECT_TRUE(keys().insert_within_limit(key("k3", "u1"), 2));
  EXPECT_EQ(keys().list_for_user("u1").size(), 3U) << "revoked keys stay listed";
}

TEST_P(SqlApiKeyStoreTest, RevokesOnlyTheOwnersKeyOnceAndTouches) {
  keys().insert_within_limit(key("k1", "u1"), 100);
  EXPECT_FALSE(keys().revoke("k1", "u2"));
  clock.advance(5s);
  EXPECT_TRUE(keys().revoke("k1", "u1"));
  EXPECT_FALSE(keys().revoke("k1", "u1"));
  EXPECT_EQ(keys().find("k1")->revoked_at, std::optional<std::string>(clock.stamp()));
  clock.advance(5s);
  keys().touch("k1");
  EXPECT_EQ(keys().find("k1")->last_used_at, std::optional<std::string>(clock.stamp()));
}

TEST_P(SqlApiKeyStoreTest, DeletingTheAccountTakesItsKeys) {
  keys().insert_within_limit(key("k1", "u1"), 100);
  users().remove("u1");
  EXPECT_FALSE(keys().find("k1"));
}

DOKKERR_INSTANTIATE_BACKENDS(SqlApiKeyStoreTest);

}  // namespace
}  // namespace dokkerr::auth
