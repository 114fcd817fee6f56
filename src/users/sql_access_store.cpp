#include "core/json.hpp"
#include "store/database.hpp"
#include "users/access_store.hpp"

namespace dokkerr::users {
namespace {

class SqlAccessStore final : public AccessStore {
 public:
  explicit SqlAccessStore(store::Database& db) : db_(db) {}

  // Three statements per request, however many memberships the user has.
  AccessFacts facts_of(std::string_view user_id) override {
    AccessFacts facts;
    const std::string user(user_id);
    // Each organization membership with every team of that organization (one row per team;
    // a NULL team for an organization without teams).
    for (const auto& row : db_.query(
             "SELECT m.org_id, m.role, t.id FROM org_members m LEFT JOIN teams t ON t.org_id = "
             "m.org_id WHERE m.user_id = ? ORDER BY m.org_id, t.id",
             {user})) {
      if (facts.org_roles.empty() || facts.org_roles.back().org_id != row.text(0)) {
        facts.org_roles.push_back(AccessFacts::OrgRole{row.text(0), row.text(1), {}});
      }
      if (!row.is_null(2)) facts.org_roles.back().team_ids.push_back(row.text(2));
    }
    // Each team membership with its team's organization and the custom role it names, if any.
    for (const auto& row : db_.query(
             "SELECT m.team_id, t.org_id, m.role, r.id, r.org_id, r.name, r.permissions, "
             "r.created_at FROM team_members m JOIN teams t ON t.id = m.team_id LEFT JOIN roles r "
             "ON substr(m.role, 1, 5) = 'role:' AND r.id = substr(m.role, 6) WHERE m.user_id = ?",
             {user})) {
      AccessFacts::TeamRole role{row.text(0), row.text(1), row.text(2), std::nullopt};
      if (!row.is_null(3)) {
        role.custom = CustomRole{row.text(3), row.text(4), row.text(5),
                                 json::stored_string_list(row.text(6)), row.text(7)};
      }
      facts.team_roles.push_back(std::move(role));
    }
    for (const auto& row : db_.query("SELECT environment_id, grantee_type, grantee_id, created_at "
                                     "FROM environment_grants")) {
      facts.grants.push_back(Grant{row.text(0), row.text(1), row.text(2), row.text(3)});
    }
    return facts;
  }

 private:
  store::Database& db_;
};

}  // namespace

std::unique_ptr<AccessStore> make_sql_access_store(store::Database& db) {
  return std::make_unique<SqlAccessStore>(db);
}

}  // namespace dokkerr::users
