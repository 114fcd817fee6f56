#include "store/database.hpp"
#include "users/grant_store.hpp"

namespace dokkerr::users {
namespace {

class SqlGrantStore final : public GrantStore {
 public:
  explicit SqlGrantStore(store::Database& db) : db_(db) {}

  void put(const Grant& grant) override {
    db_.transaction([&](store::Database& tx) {
      tx.execute(
          "DELETE FROM environment_grants WHERE environment_id = ? AND grantee_type = ? AND "
          "grantee_id = ?",
          {grant.environment_id, grant.grantee_type, grant.grantee_id});
      tx.execute(
          "INSERT INTO environment_grants (environment_id, grantee_type, grantee_id, created_at) "
          "VALUES (?, ?, ?, ?)",
          {grant.environment_id, grant.grantee_type, grant.grantee_id, grant.created_at});
    });
  }

  bool remove(std::string_view environment_id, std::string_view grantee_type,
              std::string_view grantee_id) override {
    return db_.execute(
               "DELETE FROM environment_grants WHERE environment_id = ? AND grantee_type = ? AND "
               "grantee_id = ?",
               {std::string(environment_id), std::string(grantee_type), std::string(grantee_id)}) ==
           1;
  }

  std::vector<Grant> list(std::string_view environment_id) override {
    std::vector<Grant> grants;
    for (const auto& row :
         db_.query("SELECT environment_id, grantee_type, grantee_id, created_at FROM "
                   "environment_grants WHERE environment_id = ? ORDER BY grantee_type, grantee_id",
                   {std::string(environment_id)})) {
      grants.push_back(Grant{row.text(0), row.text(1), row.text(2), row.text(3)});
    }
    return grants;
  }

 private:
  store::Database& db_;
};

}  // namespace

std::unique_ptr<GrantStore> make_sql_grant_store(store::Database& db) {
  return std::make_unique<SqlGrantStore>(db);
}

}  // namespace dokkerr::users
