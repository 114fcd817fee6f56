#include "auth/throttle_store.hpp"
#include "store/database.hpp"

namespace dokkerr::auth {
namespace {

// A transaction-scoped advisory lock per key, in a key space of its own (the two-argument form).
constexpr std::string_view kLockKey = "SELECT pg_advisory_xact_lock(1852, hashtext(?))";

std::optional<ThrottleRecord> read(store::Database& db, const std::string& key) {
  const auto rows = db.query(
      "SELECT failures, window_start, lockouts, locked_until FROM login_throttle WHERE key = ?",
      {key});
  if (rows.empty()) return std::nullopt;
  const auto& row = rows.front();
  return ThrottleRecord{row.integer(0), row.text(1), row.integer(2), row.optional_text(3)};
}

class SqlThrottleStore final : public ThrottleStore {
 public:
  explicit SqlThrottleStore(store::Database& db) : db_(db) {}

  std::optional<ThrottleRecord> find(std::string_view key) override {
    return read(db_, std::string(key));
  }

  ThrottleRecord update(
      std::string_view key,
      const std::function<ThrottleRecord(const std::optional<ThrottleRecord>&)>& next) override {
    ThrottleRecord stored;
    const std::string id(key);
    db_.transaction([&](store::Database& tx) {
      // SQLite's transactions hold the write lock from their start. PostgreSQL's (read
      // committed) would let two failures read the same count, and both re-insert the row:
      // they queue on a lock of the key first.
      if (tx.backend() == "postgres") (void)tx.query(kLockKey, {id});
      stored = next(read(tx, id));
      tx.execute("DELETE FROM login_throttle WHERE key = ?", {id});
      tx.execute(
          "INSERT INTO login_throttle (key, failures, window_start, lockouts, locked_until) "
          "VALUES (?, ?, ?, ?, ?)",
          {id, stored.failures, stored.window_start, stored.lockouts,
           stored.locked_until ? store::Value(*stored.locked_until) : store::Value(nullptr)});
    });
    return stored;
  }

  void clear(std::string_view key) override {
    db_.execute("DELETE FROM login_throttle WHERE key = ?", {std::string(key)});
  }

 private:
  store::Database& db_;
};

}  // namespace

std::unique_ptr<ThrottleStore> make_sql_throttle_store(store::Database& db) {
  return std::make_unique<SqlThrottleStore>(db);
}

}  // namespace dokkerr::auth
