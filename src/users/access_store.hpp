#pragma once
// What decides a user's permissions, read for every authenticated request: their organization
// and team memberships (with the custom roles they hold) and the environment grants. A fixed
// number of statements, whatever the number of memberships. Blocks: run it on the BlockingPool.
#include "users/grant_store.hpp"
#include "users/organization_store.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::store {
class Database;
}

namespace dokkerr::users {

struct AccessFacts {
  struct OrgRole {
    std::string org_id, role;
    std::vector<std::string> team_ids;  // every team of the organization
  };
  struct TeamRole {
    std::string team_id, org_id, role;
    std::optional<CustomRole> custom;  // the role a "role:<id>" membership names, if it exists
  };
  std::vector<OrgRole> org_roles;
  std::vector<TeamRole> team_roles;
  std::vector<Grant> grants;  // every grant; the access model keeps those of the user's teams
};

class AccessStore {
 public:
  virtual ~AccessStore() = default;
  virtual AccessFacts facts_of(std::string_view user_id) = 0;
};

std::unique_ptr<AccessStore> make_sql_access_store(store::Database& db);

}  // namespace dokkerr::users
