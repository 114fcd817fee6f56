#include "core/json.hpp"
#include "store/database.hpp"
#include "users/organization_store.hpp"
#include "users/sql_conflict.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::users {
namespace {

using store::Row;

Organization organization_from(const Row& row) {
  return Organization{row.text(0), row.text(1), row.text(2), row.text(3)};
}

CustomRole role_from(const Row& row) {
  return CustomRole{row.text(0), row.text(1), row.text(2), json::stored_string_list(row.text(3)),
                    row.text(4)};
}

constexpr std::string_view kOrgColumns = "id, name, display_name, created_at";
constexpr std::string_view kRoleColumns = "id, org_id, name, permissions, created_at";

class SqlOrganizationStore final : public OrganizationStore {
 public:
  explicit SqlOrganizationStore(store::Database& db) : db_(db) {}

  void insert(const Organization& org) override {
    translate_unique_violation(
        [&] {
          db_.execute(
              "INSERT INTO organizations (id, name, display_name, created_at) VALUES (?, ?, ?, ?)",
              {org.id, org.name, org.display_name, org.created_at});
        },
        "organization_exists", "An organization with that name exists.");
  }

  std::optional<Organization> find(std::string_view id) override {
    const auto rows =
        db_.query("SELECT " + std::string(kOrgColumns) + " FROM organizations WHERE id = ?",
                  {std::string(id)});
    if (rows.empty()) return std::nullopt;
    return organization_from(rows.front());
  }

  std::vector<Organization> list() override {
    std::vector<Organization> orgs;
    for (const auto& row :
         db_.query("SELECT " + std::string(kOrgColumns) + " FROM organizations ORDER BY name")) {
      orgs.push_back(organization_from(row));
    }
    return orgs;
  }

  bool remove(std::string_view id) override {
    bool removed = false;
    db_.transaction([&](store::Database& tx) {
      const std::string org(id);
      tx.execute(
          "DELETE FROM environment_grants WHERE grantee_type = 'team' AND grantee_id IN "
          "(SELECT id FROM teams WHERE org_id = ?)",
          {org});
      tx.execute(
          "DELETE FROM environment_grants WHERE grantee_type = 'organization' AND grantee_id = ?",
          {org});
      removed = tx.execute("DELETE FROM organizations WHERE id = ?", {org}) == 1;
    });
    return removed;
  }

  void put_member(std::string_view org_id, std::string_view user_id,
                  std::string_view role) override {
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM org_members WHERE org_id = ? AND user_id = ?",
                 {std::string(org_id), std::string(user_id)});
      tx.execute("INSERT INTO org_members (org_id, user_id, role) VALUES (?, ?, ?)",
                 {std::string(org_id), std::string(user_id), std::string(role)});
    });
  }

  bool remove_member(std::string_view org_id, std::string_view user_id) override {
    return db_.execute("DELETE FROM org_members WHERE org_id = ? AND user_id = ?",
                       {std::string(org_id), std::string(user_id)}) == 1;
  }

  std::vector<Membership> members(std::string_view org_id) override {
    std::vector<Membership> members;
    for (const auto& row : db_.query(
             "SELECT m.org_id, m.user_id, u.username, m.role FROM org_members m JOIN users u ON "
             "u.id = m.user_id WHERE m.org_id = ? ORDER BY u.username_key",
             {std::string(org_id)})) {
      members.push_back(Membership{row.text(0), row.text(1), row.text(2), row.text(3)});
    }
    return members;
  }

  void insert_role(const CustomRole& role) override {
    translate_unique_violation(
        [&] {
          db_.execute(
              "INSERT INTO roles (id, org_id, name, permissions, created_at) VALUES (?, ?, ?, ?, "
              "?)",
              {role.id, role.org_id, role.name,
               boost::json::serialize(json::string_array(role.permissions)), role.created_at});
        },
        "role_exists", "The organization already has a role with that name.");
  }

  std::optional<CustomRole> find_role(std::string_view id) override {
    const auto rows = db_.query("SELECT " + std::string(kRoleColumns) + " FROM roles WHERE id = ?",
                                {std::string(id)});
    if (rows.empty()) return std::nullopt;
    return role_from(rows.front());
  }

  std::vector<CustomRole> list_roles(std::string_view org_id) override {
    std::vector<CustomRole> roles;
    for (const auto& row : db_.query(
             "SELECT " + std::string(kRoleColumns) + " FROM roles WHERE org_id = ? ORDER BY name",
             {std::string(org_id)})) {
      roles.push_back(role_from(row));
    }
    return roles;
  }

  bool remove_role(std::string_view id) override {
    bool removed = false;
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM team_members WHERE role = ?", {"role:" + std::string(id)});
      removed = tx.execute("DELETE FROM roles WHERE id = ?", {std::string(id)}) == 1;
    });
    return removed;
  }

 private:
  store::Database& db_;
};

}  // namespace

std::unique_ptr<OrganizationStore> make_sql_organization_store(store::Database& db) {
  return std::make_unique<SqlOrganizationStore>(db);
}

}  // namespace dokkerr::users
