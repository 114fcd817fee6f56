#include "app/bridges.hpp"

#include "users/team_store.hpp"

namespace dokkerr::app {

bool TeamDirectoryBridge::exists(std::string_view team_id) {
  return teams_.find(team_id).has_value();
}

policy::Policy TeamDirectoryBridge::container_policy(std::string_view team_id) {
  const auto team = teams_.find(team_id);
  return team ? policy::policy_from_json(team->policy_json) : policy::Policy{};
}

}  // namespace dokkerr::app
