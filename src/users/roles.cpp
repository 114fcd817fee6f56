#include "users/roles.hpp"

#include "core/permissions.hpp"
#include "users/organization_store.hpp"
#include "users/team_store.hpp"


namespace dokkerr::users {
namespace {

PermissionSet viewer() {
  return {std::string(perm::containers_read), std::string(perm::containers_logs),
          std::string(perm::images_read),     std::string(perm::networks_read),
          std::string(perm::volumes_read),    std::string(perm::environments_read),
          std::string(perm::system_read),     std::string(perm::events_read),
          std::string(perm::alerts_read)};
}

PermissionSet operator_role() {
  auto set = viewer();
  set.insert(std::string(perm::containers_operate));
  set.insert(std::string(perm::containers_exec));
  set.insert(std::string(perm::alerts_manage));
  return set;
}

PermissionSet developer() {
  auto set = operator_role();
  for (const auto p : {perm::containers_create, perm::containers_update, perm::containers_delete,
                       perm::images_pull, perm::networks_create, perm::networks_delete,
                       perm::volumes_create, perm::volumes_delete}) {
    set.insert(std::string(p));
  }
  return set;
}

PermissionSet team_admin() {
  auto set = developer();
  set.insert(std::string(perm::team_manage));
  return set;
}

}  // namespace

std::optional<PermissionSet> team_role_permissions(std::string_view role) {
  if (role == "viewer") return viewer();
  if (role == "operator") return operator_role();
  if (role == "developer") return developer();
  if (role == "admin") return team_admin();
  return std::nullopt;
}

std::optional<PermissionSet> org_role_permissions(std::string_view role) {
  if (role == "owner" || role == "admin") return PermissionSet{std::string(perm::org_manage)};
  if (role == "member") return PermissionSet{};
  return std::nullopt;
}

bool is_org_role(std::string_view role) { return org_role_permissions(role).has_value(); }

bool role_fits_team(std::string_view role, const Team& team, OrganizationStore& orgs) {
  if (team_role_permissions(role)) return true;
  if (!role.starts_with("role:")) return false;
  const auto custom = orgs.find_role(role.substr(5));
  return custom && custom->org_id == team.org_id;
}

}  // namespace dokkerr::users
