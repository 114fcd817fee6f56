#include "auth/mfa_store.hpp"
#include "core/clock.hpp"
#include "store/database.hpp"

namespace dokkerr::auth {
namespace {

class SqlMfaStore final : public MfaStore {
 public:
  SqlMfaStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  void replace_recovery_codes(std::string_view user_id,
                              const std::vector<std::string>& code_hashes) override {
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM recovery_codes WHERE user_id = ?", {std::string(user_id)});
      for (const auto& hash : code_hashes) {
        tx.execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)",
                   {std::string(user_id), hash});
      }
    });
  }

  bool use_recovery_code(std::string_view user_id, std::string_view code_hash) override {
    return db_.execute(
               "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND "
               "used_at IS NULL",
               {clock_.stamp(), std::string(user_id), std::string(code_hash)}) == 1;
  }

  void remove_recovery_codes(std::string_view user_id) override {
    db_.execute("DELETE FROM recovery_codes WHERE user_id = ?", {std::string(user_id)});
  }

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<MfaStore> make_sql_mfa_store(store::Database& db, const Clock& clock) {
  return std::make_unique<SqlMfaStore>(db, clock);
}

}  // namespace dokkerr::auth
