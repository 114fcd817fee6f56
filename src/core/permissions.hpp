#pragma once
// The permission strings routes require and roles grant. API key scopes are subsets of them.
#include <string_view>
#include <vector>

namespace dokkerr::perm {

// Team-scoped: held per team, checked against the owning team of a resource.
inline constexpr std::string_view containers_read = "containers:read";
inline constexpr std::string_view containers_logs = "containers:logs";
inline constexpr std::string_view containers_operate = "containers:operate";  // start/stop/…
inline constexpr std::string_view containers_exec = "containers:exec";
inline constexpr std::string_view containers_create = "containers:create";
inline constexpr std::string_view containers_update = "containers:update";
inline constexpr std::string_view containers_delete = "containers:delete";
inline constexpr std::string_view images_read = "images:read";
inline constexpr std::string_view images_pull = "images:pull";
inline constexpr std::string_view networks_read = "networks:read";
inline constexpr std::string_view networks_create = "networks:create";
inline constexpr std::string_view networks_delete = "networks:delete";
inline constexpr std::string_view volumes_read = "volumes:read";
inline constexpr std::string_view volumes_create = "volumes:create";
inline constexpr std::string_view volumes_delete = "volumes:delete";
inline constexpr std::string_view environments_read = "environments:read";
inline constexpr std::string_view system_read = "system:read";
inline constexpr std::string_view events_read = "events:read";
inline constexpr std::string_view alerts_read = "alerts:read";  // the team's alert rules, alerts
inline constexpr std::string_view alerts_manage = "alerts:manage";  // rules, silences, acknowledge
inline constexpr std::string_view team_manage = "team:manage";      // members of the team

// Organization-scoped: held by org owners/admins over the organization and all its teams.
inline constexpr std::string_view org_manage = "org:manage";  // teams, members, roles, policy

// Platform-only: no team or organization role can grant these; they change what every tenant
// shares (the image store, engine-wide prunes, the environments themselves, accounts).
inline constexpr std::string_view images_manage = "images:manage";  // delete, tag, load, import
inline constexpr std::string_view system_prune = "system:prune";
inline constexpr std::string_view environments_manage = "environments:manage";
inline constexpr std::string_view users_manage = "users:manage";
inline constexpr std::string_view organizations_manage = "organizations:manage";
inline constexpr std::string_view audit_read = "audit:read";
inline constexpr std::string_view resources_assign = "resources:assign";
inline constexpr std::string_view backups_manage = "backups:manage";  // platform backups

// Every permission a team or custom role may hold (custom roles choose among these).
const std::vector<std::string_view>& team_permission_catalog();
// Every permission string there is, platform-only ones included (API key scopes).
const std::vector<std::string_view>& all_permissions();
bool is_known_permission(std::string_view permission);
bool is_team_permission(std::string_view permission);

}  // namespace dokkerr::perm
