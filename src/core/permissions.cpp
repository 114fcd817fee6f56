#include "core/permissions.hpp"

#include <algorithm>

namespace dokkerr::perm {

const std::vector<std::string_view>& team_permission_catalog() {
  static const std::vector<std::string_view> catalog{
      containers_read,   containers_logs,   containers_operate, containers_exec, containers_create,
      containers_update, containers_delete, images_read,        images_pull,     networks_read,
      networks_create,   networks_delete,   volumes_read,       volumes_create,  volumes_delete,
      environments_read, system_read,       events_read,        alerts_read,     alerts_manage,
      team_manage};
  return catalog;
}

const std::vector<std::string_view>& all_permissions() {
  static const std::vector<std::string_view> all = [] {
    auto list = team_permission_catalog();
    for (const auto p : {org_manage, images_manage, system_prune, environments_manage, users_manage,
                         organizations_manage, audit_read, resources_assign, backups_manage}) {
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

}  // namespace dokkerr::perm
