#pragma once
// Where teams, their members and their container policy are kept. Every call blocks: run it on
// the BlockingPool.
#include "users/membership.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::store {
class Database;
}

namespace dokkerr::users {

struct Team {
  std::string id, org_id, name;
  std::string policy_json = "{}";  // the team's container policy (policy::policy_from_json)
  std::string created_at;
};

class TeamStore {
 public:
  virtual ~TeamStore() = default;

  // Error conflict "team_exists" for a name the organization uses already.
  virtual void insert(const Team& team) = 0;
  virtual std::optional<Team> find(std::string_view id) = 0;
  // By name; every team, or those of one organization.
  virtual std::vector<Team> list(std::optional<std::string_view> org_id) = 0;
  // Removes the team with its memberships (ON DELETE CASCADE) and the environment grants to it
  // (in the same transaction: grants have no foreign key to their grantee).
  virtual bool remove(std::string_view id) = 0;
  virtual void set_policy(std::string_view team_id, std::string_view policy_json) = 0;

  // Adds the member or replaces their role.
  virtual void put_member(std::string_view team_id, std::string_view user_id,
                          std::string_view role) = 0;
  virtual bool remove_member(std::string_view team_id, std::string_view user_id) = 0;
  virtual std::vector<Membership> members(std::string_view team_id) = 0;  // by username
  virtual std::optional<std::string> member_role(std::string_view team_id,
                                                 std::string_view user_id) = 0;
};

std::unique_ptr<TeamStore> make_sql_team_store(store::Database& db);

}  // namespace dokkerr::users
