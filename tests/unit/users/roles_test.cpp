#include "users/roles.hpp"

#include "core/permissions.hpp"
#include "core/principal.hpp"

#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

TEST(Roles, EachTeamRoleIncludesTheOneBelow) {
  const auto viewer = *team_role_permissions("viewer");
  const auto operator_role = *team_role_permissions("operator");
  const auto developer = *team_role_permissions("developer");
  const auto admin = *team_role_permissions("admin");
  for (const auto& p : viewer) EXPECT_TRUE(operator_role.contains(p)) << p;
  for (const auto& p : operator_role) EXPECT_TRUE(developer.contains(p)) << p;
  for (const auto& p : developer) EXPECT_TRUE(admin.contains(p)) << p;
  EXPECT_FALSE(viewer.contains(std::string(perm::containers_operate)));
  EXPECT_TRUE(operator_role.contains(std::string(perm::containers_exec)));
  EXPECT_FALSE(operator_role.contains(std::string(perm::containers_create)));
  EXPECT_TRUE(developer.contains(std::string(perm::containers_create)));
  EXPECT_FALSE(developer.contains(std::string(perm::team_manage)));
  EXPECT_FALSE(team_role_permissions("owner"));
  EXPECT_FALSE(team_role_permissions("Admin"));
}

TEST(Roles, NoTeamRoleHoldsAPlatformPermission) {
  for (const auto* role : {"viewer", "operator", "developer", "admin"}) {
    const auto permissions =
        *team_role_permissions(role);  // a named copy: the optional is a temporary
    for (const auto& p : permissions) {
      EXPECT_TRUE(perm::is_team_permission(p)) << role << " holds " << p;
    }
  }
  for (const auto p : {perm::users_manage, perm::images_manage, perm::system_prune,
                       perm::environments_manage, perm::audit_read, perm::org_manage}) {
    EXPECT_FALSE(perm::is_team_permission(p)) << p;
    EXPECT_TRUE(perm::is_known_permission(p)) << p;
  }
  EXPECT_FALSE(perm::is_known_permission("containers:*"));
  EXPECT_FALSE(perm::is_known_permission(""));
}

TEST(Principal, ApiKeyScopesNarrowEverything) {
  Principal admin;
  admin.is_admin = true;
  EXPECT_TRUE(admin.has(perm::users_manage));
  admin.scopes = PermissionSet{std::string(perm::containers_read)};
  EXPECT_TRUE(admin.has(perm::containers_read));
  EXPECT_FALSE(admin.has(perm::users_manage));
  EXPECT_FALSE(admin.has_in_team("any", perm::containers_create));
}

TEST(Principal, TeamPermissionsStayInTheirTeamAndEnvironment) {
  Principal user;
  user.team_permissions["a"] = *team_role_permissions("developer");
  user.team_permissions["b"] = *team_role_permissions("viewer");
  user.environment_teams["local"] = {"a", "b"};
  user.environment_teams["remote"] = {"b"};
  EXPECT_TRUE(user.has(perm::containers_create));
  EXPECT_TRUE(user.has_in_team("a", perm::containers_create));
  EXPECT_FALSE(user.has_in_team("b", perm::containers_create));
  EXPECT_FALSE(user.has_in_team("c", perm::containers_read));
  EXPECT_EQ(user.teams_in("local", perm::containers_read),
            (std::set<std::string, std::less<>>{"a", "b"}));
  EXPECT_EQ(user.teams_in("remote", perm::containers_create),
            (std::set<std::string, std::less<>>{}));
  EXPECT_TRUE(user.sees_environment("remote"));
  EXPECT_FALSE(user.sees_environment("elsewhere"));
  EXPECT_FALSE(user.has(perm::users_manage));
}

}  // namespace
}  // namespace dokkerr::users
