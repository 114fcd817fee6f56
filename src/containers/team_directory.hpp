#pragma once
// What tenancy needs to know of teams, which the users domain owns: whether a team exists, and
// its container security policy. Declared here and implemented outside this domain
// (src/app/bridges.hpp), so containers never read the teams table. Calls block on the database:
// make them on the blocking pool.
#include "policy/policy.hpp"

#include <string_view>

namespace dokkerr::containers {

class TeamDirectory {
 public:
  virtual ~TeamDirectory() = default;
  [[nodiscard]] virtual bool exists(std::string_view team_id) = 0;
  // The team's policy; the defaults when it sets none or there is no such team.
  [[nodiscard]] virtual policy::Policy container_policy(std::string_view team_id) = 0;
};

}  // namespace dokkerr::containers
