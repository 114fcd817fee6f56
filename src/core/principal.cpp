#include "core/principal.hpp"

#include "core/audit_trail.hpp"

namespace dokkerr {

bool Principal::scope_allows(std::string_view permission) const {
  return !scopes || scopes->contains(permission);
}

bool Principal::has_platform(std::string_view permission) const {
  return is_admin && scope_allows(permission);
}

bool Principal::has_in_team(std::string_view team_id, std::string_view permission) const {
  if (!scope_allows(permission)) return false;
  if (is_admin) return true;
  const auto team = team_permissions.find(team_id);
  return team != team_permissions.end() && team->second.contains(permission);
}

bool Principal::has_in_org(std::string_view org_id, std::string_view permission) const {
  if (!scope_allows(permission)) return false;
  if (is_admin) return true;
  const auto org = org_permissions.find(org_id);
  return org != org_permissions.end() && org->second.contains(permission);
}

bool Principal::has(std::string_view permission) const {
  if (!scope_allows(permission)) return false;
  if (is_admin) return true;
  for (const auto& [team, permissions] : team_permissions) {
    if (permissions.contains(permission)) return true;
  }
  for (const auto& [org, permissions] : org_permissions) {
    if (permissions.contains(permission)) return true;
  }
  return false;
}

std::set<std::string, std::less<>> Principal::teams_with(std::string_view permission) const {
  std::set<std::string, std::less<>> teams;
  if (!scope_allows(permission)) return teams;
  for (const auto& [team, permissions] : team_permissions) {
    if (permissions.contains(permission)) teams.insert(team);
  }
  return teams;
}

bool Principal::sees_environment(std::string_view environment) const {
  if (is_admin) return true;
  const auto teams = environment_teams.find(environment);
  return teams != environment_teams.end() && !teams->second.empty();
}

std::set<std::string, std::less<>> Principal::teams_in(std::string_view environment,
                                                       std::string_view permission) const {
  std::set<std::string, std::less<>> teams;
  const auto granted = environment_teams.find(environment);
  if (granted == environment_teams.end()) return teams;
  for (const auto& team : teams_with(permission)) {
    if (granted->second.contains(team)) teams.insert(team);
  }
  return teams;
}

void set_actor(AuditRecord& record, const Principal& principal) {
  record.actor_type = principal.api_key_id.empty() ? "user" : "api_key";
  record.actor_id = principal.api_key_id.empty() ? principal.user_id : principal.api_key_id;
  record.actor_name = principal.username;
}

}  // namespace dokkerr
