#pragma once
// Where organizations, their members and their custom roles are kept. Every call blocks: run it
// on the BlockingPool.
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

struct Organization {
  std::string id, name, display_name, created_at;
};

// A role an organization defines for its teams: a set of team permissions, held by members
// whose team role is "role:<id>".
struct CustomRole {
  std::string id, org_id, name;
  std::vector<std::string> permissions;
  std::string created_at;
};

class OrganizationStore {
 public:
  virtual ~OrganizationStore() = default;

  // Error conflict "organization_exists" for a name in use.
  virtual void insert(const Organization& org) = 0;
  virtual std::optional<Organization> find(std::string_view id) = 0;
  virtual std::vector<Organization> list() = 0;  // by name
  // Removes the organization with its teams, memberships and custom roles (ON DELETE CASCADE),
  // and the environment grants to it and to its teams (in the same transaction: a grant names
  // its grantee by type and id, so no foreign key can reach it).
  virtual bool remove(std::string_view id) = 0;

  // Adds the member or replaces their role.
  virtual void put_member(std::string_view org_id, std::string_view user_id,
                          std::string_view role) = 0;
  virtual bool remove_member(std::string_view org_id, std::string_view user_id) = 0;
  virtual std::vector<Membership> members(std::string_view org_id) = 0;  // by username

  // Error conflict "role_exists" for a name the organization uses already.
  virtual void insert_role(const CustomRole& role) = 0;
  virtual std::optional<CustomRole> find_role(std::string_view id) = 0;
  virtual std::vector<CustomRole> list_roles(std::string_view org_id) = 0;  // by name
  // Removes the role and the team memberships that held it, in one transaction.
  virtual bool remove_role(std::string_view id) = 0;
};

std::unique_ptr<OrganizationStore> make_sql_organization_store(store::Database& db);

}  // namespace dokkerr::users
