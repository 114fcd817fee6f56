#include "users/organization_service.hpp"

#include "unit/users/service_fixture.hpp"

#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

class OrganizationServiceTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    add_user("admin", "root", true);
    add_user("owner", "olga");
    add_user("orgadmin", "oscar");
    add_user("member", "mia");
    add_user("outsider", "otto");
    add_org("o1", "acme");
    add_org("o2", "other");
    orgs.put_member("o1", "owner", "owner");
    orgs.put_member("o1", "orgadmin", "admin");
    orgs.put_member("o1", "member", "member");
    orgs.put_member("o2", "outsider", "owner");
  }
  OrganizationService service{orgs, users, revoker, clock, pool};
};

TEST_F(OrganizationServiceTest, CreatesWithCheckedNames) {
  const auto org = run(service.create(NewOrganization{"new-org", std::string("New Org")}));
  EXPECT_EQ(org.name, "new-org");
  EXPECT_EQ(org.display_name, "New Org");
  EXPECT_EQ(org.created_at, clock.stamp());
  EXPECT_TRUE(orgs.find(org.id));
  EXPECT_EQ(failure(service.create(NewOrganization{"bad name", {}})).code(), "invalid_name");
  EXPECT_EQ(failure(service.create(NewOrganization{"", {}})).code(), "invalid_name");
  EXPECT_EQ(failure(service.create(NewOrganization{"acme", {}})).code(), "organization_exists");
}

TEST_F(OrganizationServiceTest, OthersOrganizationsAre404) {
  const auto listed = run(service.list(as("member")));
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].id, "o1");
  EXPECT_EQ(run(service.list(as("admin"))).size(), 2U);
  EXPECT_EQ(run(service.get(as("member"), "o1")).name, "acme");
  EXPECT_EQ(failure(service.get(as("member"), "o2")).code(), "organization_not_found");
  EXPECT_EQ(failure(service.members(as("member"), "o2")).code(), "organization_not_found");
  EXPECT_EQ(failure(service.roles(as("member"), "o2")).code(), "organization_not_found");
  EXPECT_EQ(failure(service.get(as("admin"), "o9")).code(), "organization_not_found");
  EXPECT_EQ(run(service.members(as("member"), "o1")).size(), 3U);
}

TEST_F(OrganizationServiceTest, ManagingMembersNeedsOrgManage) {
  EXPECT_EQ(failure(service.put_member(as("member"), "o1", "outsider", "member")).code(),
            "organization_not_found");
  EXPECT_EQ(failure(service.remove_member(as("member"), "o1", "orgadmin")).code(),
            "organization_not_found");
  run(service.put_member(as("orgadmin"), "o1", "outsider", "member"));
  EXPECT_EQ(run(service.members(as("orgadmin"), "o1")).size(), 4U);
  ASSERT_EQ(revoker.calls.size(), 1U);
  EXPECT_EQ(revoker.calls[0].user_id, "outsider");
  EXPECT_EQ(revoker.calls[0].reason, "role_change");
  run(service.remove_member(as("orgadmin"), "o1", "outsider"));
  EXPECT_EQ(revoker.calls.size(), 2U);
  EXPECT_EQ(failure(service.remove_member(as("orgadmin"), "o1", "outsider")).code(),
            "user_not_found");
  EXPECT_EQ(failure(service.put_member(as("orgadmin"), "o1", "nobody", "member")).code(),
            "user_not_found");
}

TEST_F(OrganizationServiceTest, OnlyOwnersMakeOwners) {
  EXPECT_EQ(failure(service.put_member(as("orgadmin"), "o1", "orgadmin", "owner")).code(),
            "permission_denied");
  EXPECT_EQ(failure(service.put_member(as("orgadmin"), "o1", "member", "owner")).kind(),
            ErrorKind::forbidden);
  run(service.put_member(as("owner"), "o1", "member", "owner"));
  run(service.put_member(as("admin"), "o1", "orgadmin", "owner"));
  for (const auto& m : orgs.members("o1")) {
    if (m.user_id != "owner") continue;
    EXPECT_EQ(m.role, "owner");
  }
  EXPECT_EQ(failure(service.put_member(as("owner"), "o1", "member", "superuser")).code(),
            "invalid_role");
}

TEST_F(OrganizationServiceTest, CustomRolesHoldTeamPermissionsOnly) {
  auto role = run(service.create_role(
      as("orgadmin"), "o1",
      NewRole{"ops", std::vector<std::string>{"containers:read", "containers:operate"}}));
  EXPECT_EQ(role.org_id, "o1");
  EXPECT_EQ(orgs.find_role(role.id)->permissions.size(), 2U);
  for (const auto* wide : {"users:manage", "org:manage", "images:manage", "containers:*"}) {
    const auto error = failure(
        service.create_role(as("orgadmin"), "o1", NewRole{"wide", std::vector<std::string>{wide}}));
    EXPECT_EQ(error.code(), "invalid_permission") << wide;
  }
  EXPECT_EQ(failure(service.create_role(as("orgadmin"), "o1", NewRole{"none", {}})).code(),
            "invalid_body");
  EXPECT_EQ(failure(service.create_role(as("orgadmin"), "o1",
                                        NewRole{"empty", std::vector<std::string>{}}))
                .code(),
            "invalid_body");
  EXPECT_EQ(
      failure(service.create_role(as("orgadmin"), "o1",
                                  NewRole{"many", std::vector<std::string>(65, "containers:read")}))
          .code(),
      "invalid_body");
  EXPECT_EQ(
      failure(service.create_role(as("member"), "o1",
                                  NewRole{"sneaky", std::vector<std::string>{"containers:read"}}))
          .code(),
      "organization_not_found");
  EXPECT_EQ(
      failure(service.create_role(as("orgadmin"), "o1",
                                  NewRole{"ops", std::vector<std::string>{"containers:read"}}))
          .code(),
      "role_exists");
}

TEST_F(OrganizationServiceTest, RolesAreRemovedOnlyFromTheirOrganization) {
  orgs.insert_role(CustomRole{"r1", "o1", "ops", {"containers:read"}, "t"});
  orgs.insert_role(CustomRole{"r2", "o2", "ops", {"containers:read"}, "t"});
  EXPECT_EQ(run(service.roles(as("member"), "o1")).size(), 1U);
  EXPECT_EQ(failure(service.remove_role(as("orgadmin"), "o1", "r2")).code(), "role_not_found");
  EXPECT_EQ(failure(service.remove_role(as("member"), "o1", "r1")).code(),
            "organization_not_found");
  run(service.remove_role(as("orgadmin"), "o1", "r1"));
  EXPECT_FALSE(orgs.find_role("r1"));
  EXPECT_TRUE(orgs.find_role("r2"));
}

TEST_F(OrganizationServiceTest, RemovingAnOrganizationTakesItsTeams) {
  add_team("t1", "o1", "dev");
  run(service.remove("o1"));
  EXPECT_FALSE(orgs.find("o1"));
  EXPECT_FALSE(teams.find("t1"));
  EXPECT_EQ(failure(service.remove("o1")).code(), "organization_not_found");
}

}  // namespace
}  // namespace dokkerr::users
