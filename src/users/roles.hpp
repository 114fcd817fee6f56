#pragma once
// Built-in roles and the permission strings they grant.
#include "core/principal.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace dokkerr::users {

// Team roles: "admin", "developer", "operator", "viewer". nullopt for any other name.
std::optional<PermissionSet> team_role_permissions(std::string_view role);
// Organization roles: "owner", "admin" (both manage the org and act as team admin in every team
// of it), "member" (nothing by itself). nullopt for any other name.
std::optional<PermissionSet> org_role_permissions(std::string_view role);
bool is_org_role(std::string_view role);

class OrganizationStore;
struct Team;

// Blocking. A role a member of `team` may be given: a built-in team role, or "role:<id>" naming a
// custom role of the team's own organization.
bool role_fits_team(std::string_view role, const Team& team, OrganizationStore& orgs);

}  // namespace dokkerr::users
