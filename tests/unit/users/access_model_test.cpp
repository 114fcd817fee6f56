#include "users/access_model.hpp"

#include "core/permissions.hpp"
#include "unit/users/service_fixture.hpp"
#include "users/roles.hpp"

#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

using Teams = std::set<std::string, std::less<>>;

class AccessModelTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    add_user("u1", "alice");
    add_user("admin", "root", true);
    add_org("o1", "acme");
    add_org("o2", "other");
    add_team("t1", "o1", "dev");
    add_team("t2", "o1", "ops");
    add_team("t3", "o2", "qa");
  }
};

TEST_F(AccessModelTest, AnAccountWithoutMembershipsHoldsNothing) {
  const auto caller = access_model.principal_for(*users.find("u1"));
  EXPECT_EQ(caller->user_id, "u1");
  EXPECT_EQ(caller->username, "alice");
  EXPECT_FALSE(caller->is_admin);
  EXPECT_TRUE(caller->team_permissions.empty());
  EXPECT_TRUE(caller->org_permissions.empty());
  EXPECT_FALSE(caller->sees_environment("local"));
  EXPECT_EQ(access.calls, 1) << "one trip to the store per caller";
  EXPECT_TRUE(access_model.principal_for(*users.find("admin"))->is_admin);
}

TEST_F(AccessModelTest, TeamRolesGrantTheirPermissionsInTheirTeamOnly) {
  teams.put_member("t1", "u1", "developer");
  teams.put_member("t3", "u1", "viewer");
  const auto caller = access_model.principal_for(*users.find("u1"));
  EXPECT_EQ(caller->team_permissions.at("t1"), *team_role_permissions("developer"));
  EXPECT_EQ(caller->team_permissions.at("t3"), *team_role_permissions("viewer"));
  EXPECT_FALSE(caller->team_permissions.contains("t2"));
  EXPECT_EQ(caller->team_orgs.at("t1"), "o1");
  EXPECT_EQ(caller->team_orgs.at("t3"), "o2");
  EXPECT_TRUE(caller->org_permissions.at("o1").empty()) << "the organization is visible";
  EXPECT_FALSE(caller->has_in_org("o1", perm::org_manage));
}

TEST_F(AccessModelTest, OrganizationAdminsActAsTeamAdminsInEveryTeamOfIt) {
  orgs.put_member("o1", "u1", "admin");
  teams.put_member("t1", "u1", "viewer");
  const auto caller = access_model.principal_for(*users.find("u1"));
  EXPECT_TRUE(caller->has_in_org("o1", perm::org_manage));
  EXPECT_EQ(caller->team_permissions.at("t2"), *team_role_permissions("admin"));
  EXPECT_EQ(caller->team_permissions.at("t1"), *team_role_permissions("admin"))
      << "the team role adds to the organization role, never narrows it";
  EXPECT_FALSE(caller->team_permissions.contains("t3"));
}

TEST_F(AccessModelTest, PlainOrganizationMembersHoldNothingByIt) {
  orgs.put_member("o1", "u1", "member");
  const auto caller = access_model.principal_for(*users.find("u1"));
  EXPECT_TRUE(caller->org_permissions.contains("o1"));
  EXPECT_TRUE(caller->org_permissions.at("o1").empty());
  EXPECT_TRUE(caller->team_permissions.empty());
}

TEST_F(AccessModelTest, CustomRolesCountOnlyInTheirOwnOrganization) {
  orgs.insert_role(CustomRole{"r1", "o1", "ops", {"containers:read", "users:manage"}, "t"});
  orgs.insert_role(CustomRole{"r2", "o2", "ops", {"containers:create"}, "t"});
  teams.put_member("t1", "u1", "role:r1");
  teams.put_member("t2", "u1", "role:r2");  // a role of another organization
  teams.put_member("t3", "u1", "role:gone");
  const auto caller = access_model.principal_for(*users.find("u1"));
  EXPECT_EQ(caller->team_permissions.at("t1"), (PermissionSet{"containers:read"}))
      << "platform permissions in a stored role are never granted";
  EXPECT_TRUE(caller->team_permissions.at("t2").empty());
  EXPECT_TRUE(caller->team_permissions.at("t3").empty());
}

TEST_F(AccessModelTest, EnvironmentsGrantedToATeamOrItsOrganization) {
  teams.put_member("t1", "u1", "viewer");
  teams.put_member("t3", "u1", "viewer");
  grants.put(Grant{"local", "team", "t1", "t"});
  grants.put(Grant{"edge", "organization", "o2", "t"});
  grants.put(Grant{"lab", "team", "t2", "t"});
  const auto caller = access_model.principal_for(*users.find("u1"));
  EXPECT_EQ(caller->environment_teams.at("local"), (Teams{"t1"}));
  EXPECT_EQ(caller->environment_teams.at("edge"), (Teams{"t3"}));
  EXPECT_FALSE(caller->sees_environment("lab"));
  EXPECT_EQ(caller->teams_in("local", perm::containers_read), (Teams{"t1"}));
  EXPECT_TRUE(caller->teams_in("edge", perm::containers_create).empty());
}

TEST_F(AccessModelTest, AnOrganizationGrantReachesEveryTeamAnOrgAdminActsIn) {
  orgs.put_member("o1", "u1", "owner");
  grants.put(Grant{"local", "organization", "o1", "t"});
  const auto caller = access_model.principal_for(*users.find("u1"));
  EXPECT_EQ(caller->environment_teams.at("local"), (Teams{"t1", "t2"}));
}

}  // namespace
}  // namespace dokkerr::users
