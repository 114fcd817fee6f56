#pragma once
// Built-in roles and the permission strings they grant.
#include "core/principal.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace dokkerr::auth {

// Team roles: "admin", "developer", "operator", "viewer". nullopt for any other name.
std::optional<PermissionSet> team_role_permissions(std::string_view role);
// Organization roles: "owner", "admin" (both manage the org and act as team admin in every team
// of it), "member" (nothing by itself). nullopt for any other name.
std::optional<PermissionSet> org_role_permissions(std::string_view role);
bool is_org_role(std::string_view role);

// Every permission a team or custom role may hold (custom roles choose among these).
const std::vector<std::string_view>& team_permission_catalog();
// Every permission string there is, platform-only ones included (API key scopes).
const std::vector<std::string_view>& all_permissions();
bool is_known_permission(std::string_view permission);
bool is_team_permission(std::string_view permission);

}  // namespace dokkerr::auth
