#pragma once
// The one access rule of backups and schedules that belong to a team: administrators may;
// members holding `permission` in the team may; members without it are told 403; everyone else
// gets `hidden` (a 404: another team's backups do not exist for them, like its volumes).
#include "core/error.hpp"
#include "core/permissions.hpp"
#include "core/principal.hpp"

namespace dokkerr::backup {

inline void check_team_access(const Principal& caller, std::string_view team_id,
                              std::string_view permission, const Error& hidden) {
  if (caller.is_admin) return;
  if (!team_id.empty() && caller.has_in_team(team_id, permission)) return;
  if (team_id.empty() || !caller.has_in_team(team_id, perm::volumes_read)) throw hidden;
  throw Error{ErrorKind::forbidden, "permission_denied",
              "Your role in this team does not allow that."};
}

}  // namespace dokkerr::backup
