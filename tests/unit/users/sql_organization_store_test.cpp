#include "unit/users/sql_fixture.hpp"
#include "users/organization_store.hpp"

#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

using testing::error_of;

class SqlOrganizationStoreTest : public testing::SqlUsersTest {};

TEST_P(SqlOrganizationStoreTest, InsertsFindsAndListsByName) {
  add_org("o2", "zeta");
  add_org("o1", "acme");
  EXPECT_EQ(orgs().find("o1")->name, "acme");
  EXPECT_FALSE(orgs().find("o3"));
  const auto all = orgs().list();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].id, "o1");
  EXPECT_EQ(all[1].id, "o2");
  const auto taken = error_of([&] { add_org("o3", "acme"); });
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->code(), "organization_exists");
  EXPECT_EQ(taken->kind(), ErrorKind::conflict);
}

TEST_P(SqlOrganizationStoreTest, MembersAreReplacedAndListedByUsername) {
  add_user("u1", "bob");
  add_user("u2", "Alice");
  add_org("o1", "acme");
  orgs().put_member("o1", "u1", "member");
  orgs().put_member("o1", "u2", "owner");
  orgs().put_member("o1", "u1", "admin");
  const auto members = orgs().members("o1");
  ASSERT_EQ(members.size(), 2U);
  EXPECT_EQ(members[0].username, "Alice");
  EXPECT_EQ(members[0].role, "owner");
  EXPECT_EQ(members[0].scope_id, "o1");
  EXPECT_EQ(members[1].user_id, "u1");
  EXPECT_EQ(members[1].role, "admin");
  EXPECT_TRUE(orgs().remove_member("o1", "u1"));
  EXPECT_FALSE(orgs().remove_member("o1", "u1"));
  EXPECT_EQ(orgs().members("o1").size(), 1U);
}

TEST_P(SqlOrganizationStoreTest, CustomRolesKeepTheirPermissions) {
  add_org("o1", "acme");
  add_org("o2", "other");
  orgs().insert_role(CustomRole{"r2", "o1", "ops", {"containers:read", "containers:operate"}, "t"});
  orgs().insert_role(CustomRole{"r1", "o1", "builders", {"images:pull"}, "t"});
  orgs().insert_role(CustomRole{"r3", "o2", "ops", {}, "t"});  // names are per organization
  const auto found = orgs().find_role("r2");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->permissions,
            (std::vector<std::string>{"containers:read", "containers:operate"}));
  const auto roles = orgs().list_roles("o1");
  ASSERT_EQ(roles.size(), 2U);
  EXPECT_EQ(roles[0].name, "builders");
  EXPECT_EQ(roles[1].name, "ops");
  const auto taken = error_of([&] { orgs().insert_role(CustomRole{"r4", "o1", "ops", {}, "t"}); });
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->code(), "role_exists");
}

TEST_P(SqlOrganizationStoreTest, RemovingARoleRemovesTheMembershipsThatHeldIt) {
  add_user("u1", "alice");
  add_user("u2", "bob");
  add_org("o1", "acme");
  add_team("t1", "o1", "dev");
  orgs().insert_role(CustomRole{"r1", "o1", "ops", {"containers:read"}, "t"});
  teams().put_member("t1", "u1", "role:r1");
  teams().put_member("t1", "u2", "viewer");
  EXPECT_TRUE(orgs().remove_role("r1"));
  EXPECT_FALSE(orgs().remove_role("r1"));
  EXPECT_FALSE(orgs().find_role("r1"));
  EXPECT_EQ(teams().member_role("t1", "u1"), std::nullopt);
  EXPECT_EQ(teams().member_role("t1", "u2"), std::optional<std::string>("viewer"));
}

TEST_P(SqlOrganizationStoreTest, RemovingAnOrganizationTakesItsTeamsRolesMembersAndGrants) {
  add_user("u1", "alice");
  add_org("o1", "acme");
  add_org("o2", "other");
  add_team("t1", "o1", "dev");
  add_team("t2", "o2", "dev");
  orgs().put_member("o1", "u1", "admin");
  orgs().insert_role(CustomRole{"r1", "o1", "ops", {}, "t"});
  teams().put_member("t1", "u1", "developer");
  grants().put(Grant{"local", "team", "t1", "t"});
  grants().put(Grant{"local", "organization", "o1", "t"});
  grants().put(Grant{"local", "team", "t2", "t"});
  EXPECT_TRUE(orgs().remove("o1"));
  EXPECT_FALSE(orgs().remove("o1"));
  EXPECT_FALSE(orgs().find("o1"));
  EXPECT_FALSE(teams().find("t1"));
  EXPECT_FALSE(orgs().find_role("r1"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM org_members"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM team_members"), 0);
  const auto left = grants().list("local");
  ASSERT_EQ(left.size(), 1U);
  EXPECT_EQ(left[0].grantee_id, "t2");
  EXPECT_TRUE(teams().find("t2"));
  EXPECT_TRUE(users().find("u1"));
}

DOKKERR_INSTANTIATE_BACKENDS(SqlOrganizationStoreTest);

}  // namespace
}  // namespace dokkerr::users
