#include "auth/roles.hpp"

#include "core/permissions.hpp"

#include <algorithm>

namespace dokkerr::auth {
namespace {

PermissionSet viewer() {
  return {std::string(perm::containers_read), std::string(perm::containers_logs),
          std::string(perm::images_read),     std::string(perm::networks_read),
          std::string(perm::volumes_read),    std::string(perm::environments_read),
          std::string(perm::system_read),     std::string(perm::events_read)};
}

PermissionSet operator_role() {
  auto set = viewer();
  set.insert(std::string(perm::containers_operate));
  set.insert(std::string(perm::containers_exec));
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

const std::vector<std::string_view>& team_permission_catalog() {
  static const std::vector<std::string_view> catalog{
      perm::containers_read, perm::containers_logs,   perm::containers_operate,
      perm::containers_exec, perm::containers_create, perm::containers_update,
      perm::containers_delete, perm::images_read,     perm::images_pull,
      perm::networks_read,   perm::networks_create,   perm::networks_delete,
      perm::volumes_read,    perm::volumes_create,    perm::volumes_delete,
      perm::environments_read, perm::system_read,     perm::events_read,
      perm::team_manage};
  return catalog;
}

const std::vector<std::string_view>& all_permissions() {
  static const std::vector<std::string_view> all = [] {
    auto list = team_permission_catalog();
    for (const auto p : {perm::org_manage, perm::images_manage, perm::system_prune,
                         perm::environments_manage, perm::users_manage, perm::organizations_manage,
                         perm::audit_read, perm::resources_assign}) {
      list.push_back(p);
    }
    return list;
  }();
  return all;
}

bool is_known_permission(std::string_view permission) {
  const auto& all = all_permissions();
  return std::find(all.begin(), all.end(), permission) != all.end();
}

bool is_team_permission(std::string_view permission) {
  const auto& catalog = team_permission_catalog();
  return std::find(catalog.begin(), catalog.end(), permission) != catalog.end();
}

}  // namespace dokkerr::auth
