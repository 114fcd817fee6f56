#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/settings_store.hpp"

namespace dokkerr::store {
namespace {

class SqlSettingsStore final : public SettingsStore {
 public:
  SqlSettingsStore(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  std::optional<std::string> get(std::string_view key) override {
    const auto rows = db_.query("SELECT value FROM settings WHERE key = ?", {std::string(key)});
    if (rows.empty()) return std::nullopt;
    return rows.front().text(0);
  }

  void set(std::string_view key, std::string_view value) override {
    // One statement, so two writers of the same key cannot both try to insert it.
    // ON CONFLICT … DO UPDATE is understood by SQLite (3.24+) and PostgreSQL alike.
    db_.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        {std::string(key), std::string(value), clock_.stamp()});
  }

 private:
  Database& db_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<SettingsStore> make_sql_settings_store(Database& db, const Clock& clock) {
  return std::make_unique<SqlSettingsStore>(db, clock);
}

}  // namespace dokkerr::store
