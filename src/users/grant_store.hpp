#pragma once
// Which teams and organizations may use which environment. Every call blocks: run it on the
// BlockingPool.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::store {
class Database;
}

namespace dokkerr::users {

struct Grant {
  std::string environment_id;
  std::string grantee_type;  // "team" | "organization"
  std::string grantee_id, created_at;
};

class GrantStore {
 public:
  virtual ~GrantStore() = default;
  // Adds the grant or renews it (created_at is the latest one).
  virtual void put(const Grant& grant) = 0;
  virtual bool remove(std::string_view environment_id, std::string_view grantee_type,
                      std::string_view grantee_id) = 0;
  // By grantee type, then id.
  virtual std::vector<Grant> list(std::string_view environment_id) = 0;
};

std::unique_ptr<GrantStore> make_sql_grant_store(store::Database& db);

}  // namespace dokkerr::users
