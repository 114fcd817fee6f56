#pragma once
// One-time recovery codes of the second factor (table recovery_codes), stored hashed. The TOTP
// secret and its last used step are the account's (users::UserStore). Every call blocks: run it
// on the BlockingPool.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class Clock;
}
namespace dokkerr::store {
class Database;
}

namespace dokkerr::auth {

class MfaStore {
 public:
  virtual ~MfaStore() = default;
  // The account's codes become exactly these, in one transaction.
  virtual void replace_recovery_codes(std::string_view user_id,
                                      const std::vector<std::string>& code_hashes) = 0;
  // Uses a code with one conditional UPDATE (stamping used_at): true for the one caller that
  // used it; false when it is unknown or used.
  virtual bool use_recovery_code(std::string_view user_id, std::string_view code_hash) = 0;
  virtual void remove_recovery_codes(std::string_view user_id) = 0;
};

std::unique_ptr<MfaStore> make_sql_mfa_store(store::Database& db, const Clock& clock);

}  // namespace dokkerr::auth
