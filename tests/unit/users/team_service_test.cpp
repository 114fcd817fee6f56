#include "users/team_service.hpp"

#include "unit/users/service_fixture.hpp"

#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

class TeamServiceTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    add_user("admin", "root", true);
    add_user("orgadmin", "oscar");
    add_user("lead", "lena");
    add_user("dev", "dora");
    add_user("outsider", "otto");
    add_org("o1", "acme");
    add_org("o2", "other");
    add_team("t1", "o1", "dev");
    add_team("t2", "o1", "ops");
    add_team("t3", "o2", "qa");
    orgs.put_member("o1", "orgadmin", "admin");
    teams.put_member("t1", "lead", "admin");
    teams.put_member("t1", "dev", "developer");
    teams.put_member("t3", "outsider", "admin");
  }
  TeamService service{teams, orgs, users, revoker, clock, pool};
};

TEST_F(TeamServiceTest, OthersTeamsAre404) {
  const auto listed = run(service.list(as("dev"), std::nullopt));
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].team.id, "t1");
  ASSERT_TRUE(listed[0].my_permissions);
  EXPECT_TRUE(listed[0].my_permissions->contains("containers:create"));
  EXPECT_EQ(run(service.list(as("orgadmin"), std::nullopt)).size(), 2U)
      << "org admins act as team admins in every team of their organization";
  const auto all = run(service.list(as("admin"), std::nullopt));
  EXPECT_EQ(all.size(), 3U);
  EXPECT_FALSE(all[0].my_permissions) << "a platform admin holds nothing in the team itself";
  EXPECT_EQ(run(service.list(as("admin"), std::string("o2"))).size(), 1U);

  EXPECT_EQ(run(service.get(as("dev"), "t1")).name, "dev");
  for (const auto* team : {"t2", "t3", "t9"}) {
    EXPECT_EQ(failure(service.get(as("dev"), team)).code(), "team_not_found") << team;
    EXPECT_EQ(failure(service.members(as("dev"), team)).code(), "team_not_found") << team;
    EXPECT_EQ(failure(service.policy(as("dev"), team)).code(), "team_not_found") << team;
  }
}

TEST_F(TeamServiceTest, CreatingNeedsOrgManageThere) {
  const auto team = run(service.create(as("orgadmin"), NewTeam{"o1", "new"}));
  EXPECT_EQ(team.org_id, "o1");
  EXPECT_EQ(team.created_at, clock.stamp());
  EXPECT_TRUE(teams.find(team.id));
  EXPECT_EQ(failure(service.create(as("orgadmin"), NewTeam{"o2", "x"})).code(),
            "organization_not_found");
  EXPECT_EQ(failure(service.create(as("lead"), NewTeam{"o1", "x"})).code(),
            "organization_not_found");
  EXPECT_EQ(failure(service.create(as("admin"), NewTeam{"o9", "x"})).code(),
            "organization_not_found");
  EXPECT_EQ(failure(service.create(as("orgadmin"), NewTeam{"o1", "bad/name"})).code(),
            "invalid_name");
  EXPECT_EQ(failure(service.create(as("orgadmin"), NewTeam{"o1", "dev"})).code(), "team_exists");
}

TEST_F(TeamServiceTest, DeletingNeedsOrgManage) {
  const auto denied = failure(service.remove(as("lead"), "t1"));
  EXPECT_EQ(denied.code(), "permission_denied");
  EXPECT_EQ(denied.kind(), ErrorKind::forbidden);
  EXPECT_EQ(failure(service.remove(as("dev"), "t2")).code(), "team_not_found");
  run(service.remove(as("orgadmin"), "t1"));
  EXPECT_FALSE(teams.find("t1"));
}

TEST_F(TeamServiceTest, MembersAreManagedWithTeamManage) {
  EXPECT_EQ(failure(service.put_member(as("dev"), "t1", "outsider", "viewer")).code(),
            "permission_denied");
  EXPECT_EQ(failure(service.remove_member(as("dev"), "t1", "lead")).code(), "permission_denied");
  run(service.put_member(as("lead"), "t1", "outsider", "viewer"));
  EXPECT_EQ(teams.member_role("t1", "outsider"), std::optional<std::string>("viewer"));
  ASSERT_EQ(revoker.calls.size(), 1U);
  EXPECT_EQ(revoker.calls[0].user_id, "outsider");
  EXPECT_EQ(revoker.calls[0].keep, "") << "someone else's sessions all end";
  run(service.put_member(as("orgadmin"), "t2", "dev", "operator"));
  EXPECT_EQ(failure(service.put_member(as("lead"), "t1", "nobody", "viewer")).code(),
            "user_not_found");
  run(service.remove_member(as("lead"), "t1", "outsider"));
  EXPECT_EQ(failure(service.remove_member(as("lead"), "t1", "outsider")).code(), "user_not_found");
}

TEST_F(TeamServiceTest, ChangingOnesOwnMembershipKeepsTheCurrentSession) {
  run(service.put_member(as("lead", "s-lead"), "t1", "lead", "developer"));
  ASSERT_EQ(revoker.calls.size(), 1U);
  EXPECT_EQ(revoker.calls[0].user_id, "lead");
  EXPECT_EQ(revoker.calls[0].keep, "s-lead");
}

TEST_F(TeamServiceTest, RolesAreBuiltInOrCustomRolesOfTheTeamsOrganization) {
  orgs.insert_role(CustomRole{"r1", "o1", "ops", {"containers:read"}, "t"});
  orgs.insert_role(CustomRole{"r2", "o2", "ops", {"containers:read"}, "t"});
  run(service.put_member(as("lead"), "t1", "outsider", "role:r1"));
  for (const auto* role : {"role:r2", "role:nope", "owner", "Admin", "r1", ""}) {
    EXPECT_EQ(failure(service.put_member(as("lead"), "t1", "outsider", role)).code(),
              "invalid_role")
        << role;
  }
}

TEST_F(TeamServiceTest, RelaxingThePolicyNeedsOrgManage) {
  EXPECT_EQ(run(service.policy(as("dev"), "t1")).policy, policy::Policy{});
  policy::Policy relaxed;
  relaxed.allow_privileged = true;
  const auto denied = failure(service.put_policy(as("lead"), "t1", relaxed));
  EXPECT_EQ(denied.code(), "permission_denied");
  const auto stored = run(service.put_policy(as("orgadmin"), "t1", relaxed));
  EXPECT_EQ(stored.team_id, "t1");
  EXPECT_TRUE(stored.policy.allow_privileged);
  EXPECT_TRUE(run(service.policy(as("dev"), "t1")).policy.allow_privileged);
  EXPECT_EQ(teams.find("t1")->policy_json, policy::to_json(relaxed));
}

}  // namespace
}  // namespace dokkerr::users
