#include "unit/users/sql_fixture.hpp"
#include "users/team_store.hpp"

#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

using testing::error_of;

class SqlTeamStoreTest : public testing::SqlUsersTest {
 protected:
  void SetUp() override {
    SqlUsersTest::SetUp();
    if (IsSkipped()) return;
    add_org("o1", "acme");
    add_org("o2", "other");
  }
};

TEST_P(SqlTeamStoreTest, InsertsFindsAndListsByName) {
  add_team("t2", "o1", "ops");
  add_team("t1", "o1", "dev");
  add_team("t3", "o2", "dev");  // names are per organization
  const auto found = teams().find("t1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->org_id, "o1");
  EXPECT_EQ(found->policy_json, "{}");
  EXPECT_FALSE(teams().find("t9"));
  const auto of_o1 = teams().list(std::string_view("o1"));
  ASSERT_EQ(of_o1.size(), 2U);
  EXPECT_EQ(of_o1[0].name, "dev");
  EXPECT_EQ(of_o1[1].name, "ops");
  EXPECT_EQ(teams().list(std::nullopt).size(), 3U);
  const auto taken = error_of([&] { add_team("t4", "o1", "dev"); });
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->code(), "team_exists");
  EXPECT_EQ(taken->kind(), ErrorKind::conflict);
}

TEST_P(SqlTeamStoreTest, KeepsThePolicyText) {
  add_team("t1", "o1", "dev");
  teams().set_policy("t1", R"({"allow_privileged":true})");
  EXPECT_EQ(teams().find("t1")->policy_json, R"({"allow_privileged":true})");
}

TEST_P(SqlTeamStoreTest, MembersAreReplacedListedAndRemoved) {
  add_user("u1", "bob");
  add_user("u2", "alice");
  add_team("t1", "o1", "dev");
  teams().put_member("t1", "u1", "viewer");
  teams().put_member("t1", "u2", "admin");
  teams().put_member("t1", "u1", "developer");
  const auto members = teams().members("t1");
  ASSERT_EQ(members.size(), 2U);
  EXPECT_EQ(members[0].username, "alice");
  EXPECT_EQ(members[0].scope_id, "t1");
  EXPECT_EQ(members[1].role, "developer");
  EXPECT_EQ(teams().member_role("t1", "u1"), std::optional<std::string>("developer"));
  EXPECT_EQ(teams().member_role("t1", "nobody"), std::nullopt);
  EXPECT_TRUE(teams().remove_member("t1", "u1"));
  EXPECT_FALSE(teams().remove_member("t1", "u1"));
  EXPECT_EQ(teams().members("t1").size(), 1U);
}

TEST_P(SqlTeamStoreTest, RemovingATeamTakesItsMembersAndGrants) {
  add_user("u1", "alice");
  add_team("t1", "o1", "dev");
  add_team("t2", "o1", "ops");
  teams().put_member("t1", "u1", "developer");
  teams().put_member("t2", "u1", "viewer");
  grants().put(Grant{"local", "team", "t1", "t"});
  grants().put(Grant{"local", "team", "t2", "t"});
  grants().put(Grant{"local", "organization", "o1", "t"});
  EXPECT_TRUE(teams().remove("t1"));
  EXPECT_FALSE(teams().remove("t1"));
  EXPECT_EQ(teams().member_role("t1", "u1"), std::nullopt);
  EXPECT_EQ(teams().member_role("t2", "u1"), std::optional<std::string>("viewer"));
  const auto left = grants().list("local");
  ASSERT_EQ(left.size(), 2U);
  EXPECT_EQ(left[0].grantee_type, "organization");
  EXPECT_EQ(left[1].grantee_id, "t2");
}

DOKKERR_INSTANTIATE_BACKENDS(SqlTeamStoreTest);

}  // namespace
}  // namespace dokkerr::users
