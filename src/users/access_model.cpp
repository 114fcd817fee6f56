#include "users/access_model.hpp"

#include "core/permissions.hpp"
#include "users/roles.hpp"

namespace dokkerr::users {

std::shared_ptr<Principal> AccessModel::principal_for(const User& user) {
  auto principal = std::make_shared<Principal>();
  principal->user_id = user.id;
  principal->username = user.username;
  principal->is_admin = user.is_admin;
  apply(store_.facts_of(user.id), *principal);
  return principal;
}

void AccessModel::apply(const AccessFacts& facts, Principal& principal) {
  const auto team_admin = team_role_permissions("admin").value_or(PermissionSet{});
  for (const auto& membership : facts.org_roles) {
    const auto permissions = org_role_permissions(membership.role).value_or(PermissionSet{});
    principal.org_permissions[membership.org_id].insert(permissions.begin(), permissions.end());
    if (permissions.empty()) continue;
    for (const auto& team : membership.team_ids) {
      principal.team_permissions[team].insert(team_admin.begin(), team_admin.end());
      principal.team_orgs[team] = membership.org_id;
    }
  }
  for (const auto& membership : facts.team_roles) {
    PermissionSet permissions;
    if (auto builtin = team_role_permissions(membership.role)) {
      permissions = std::move(*builtin);
    } else if (membership.custom && membership.custom->org_id == membership.org_id) {
      for (const auto& p : membership.custom->permissions) {
        if (perm::is_team_permission(p)) permissions.insert(p);
      }
    }
    principal.team_permissions[membership.team_id].insert(permissions.begin(), permissions.end());
    principal.team_orgs[membership.team_id] = membership.org_id;
    principal.org_permissions.try_emplace(membership.org_id);
  }
  // Environments granted to one of the caller's teams, or to an organization whose teams they
  // are in (every team of an organization the caller belongs to).
  for (const auto& grant : facts.grants) {
    for (const auto& [team, org] : principal.team_orgs) {
      if ((grant.grantee_type == "team" && grant.grantee_id == team) ||
          (grant.grantee_type == "organization" && grant.grantee_id == org)) {
        principal.environment_teams[grant.environment_id].insert(team);
      }
    }
  }
}

}  // namespace dokkerr::users
