#include "unit/users/sql_fixture.hpp"
#include "users/grant_store.hpp"

#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

class SqlGrantStoreTest : public testing::SqlUsersTest {};

TEST_P(SqlGrantStoreTest, PutsRenewsListsAndRemoves) {
  grants().put(Grant{"local", "team", "t2", "2026-01-01T00:00:00.000Z"});
  grants().put(Grant{"local", "team", "t1", "2026-01-01T00:00:00.000Z"});
  grants().put(Grant{"local", "organization", "o1", "2026-01-01T00:00:00.000Z"});
  grants().put(Grant{"remote", "team", "t1", "2026-01-01T00:00:00.000Z"});
  grants().put(Grant{"local", "team", "t1", "2026-02-01T00:00:00.000Z"});  // renewed
  const auto local = grants().list("local");
  ASSERT_EQ(local.size(), 3U);
  EXPECT_EQ(local[0].grantee_type, "organization");
  EXPECT_EQ(local[1].grantee_id, "t1");
  EXPECT_EQ(local[1].created_at, "2026-02-01T00:00:00.000Z");
  EXPECT_EQ(local[2].grantee_id, "t2");
  EXPECT_EQ(local[0].environment_id, "local");
  EXPECT_TRUE(grants().remove("local", "team", "t1"));
  EXPECT_FALSE(grants().remove("local", "team", "t1"));
  EXPECT_FALSE(grants().remove("local", "organization", "t2"));
  EXPECT_EQ(grants().list("local").size(), 2U);
  EXPECT_EQ(grants().list("remote").size(), 1U);
  EXPECT_TRUE(grants().list("nowhere").empty());
}

DOKKERR_INSTANTIATE_BACKENDS(SqlGrantStoreTest);

}  // namespace
}  // namespace dokkerr::users
