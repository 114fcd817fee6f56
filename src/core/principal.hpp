#pragma once
// Who is calling, and what they may do where. Built once per request by the authenticator and
// read by every service that filters or checks ownership.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace dokkerr {

using PermissionSet = std::set<std::string, std::less<>>;

struct Principal {
  std::string user_id;
  std::string username;
  bool is_admin = false;         // platform admin: every permission, every team, no policy
  std::string session_id;        // set for access tokens
  std::string api_key_id;        // set for API keys
  std::string auth_method;       // "password", "oidc", "api_key", "ws_ticket"
  bool mfa_enabled = false;      // the account has a confirmed second factor
  // The caller's role requires a second factor it does not have yet: until it enrols one, only
  // routes marked allowed_before_mfa_enrolment answer.
  bool mfa_enrollment_required = false;
  // Permissions held in each team (team id → permissions), after API-key narrowing.
  std::map<std::string, PermissionSet, std::less<>> team_permissions;
  // Permissions held in each organization (org id → permissions), e.g. "org:manage".
  std::map<std::string, PermissionSet, std::less<>> org_permissions;
  // Team id → organization id, for every team listed above.
  std::map<std::string, std::string, std::less<>> team_orgs;
  // Environment id → the caller's teams that may use it (granted to the team or its org).
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> environment_teams;
  // An API key's scopes (a subset of the owner's permissions); nullopt for sessions.
  std::optional<PermissionSet> scopes;

  // The permission in at least one team or organization (or as admin), within the key's scopes.
  [[nodiscard]] bool has(std::string_view permission) const;
  // Admin-level permission (platform scope only).
  [[nodiscard]] bool has_platform(std::string_view permission) const;
  [[nodiscard]] bool has_in_team(std::string_view team_id, std::string_view permission) const;
  [[nodiscard]] bool has_in_org(std::string_view org_id, std::string_view permission) const;
  // Teams where the permission is held; ignored for admins (they see everything).
  [[nodiscard]] std::set<std::string, std::less<>> teams_with(std::string_view permission) const;
  [[nodiscard]] bool scope_allows(std::string_view permission) const;
  [[nodiscard]] bool sees_environment(std::string_view environment) const;
  // Teams that hold the permission and may use the environment.
  [[nodiscard]] std::set<std::string, std::less<>> teams_in(std::string_view environment,
                                                           std::string_view permission) const;
};

}  // namespace dokkerr
