#include "store/settings_store.hpp"

#include "core/clock.hpp"

namespace dokkerr::store {

std::optional<std::string> SettingsStore::get(std::string_view key) {
  const auto rows = db_.query("SELECT value FROM settings WHERE key = ?", {std::string(key)});
  if (rows.empty()) return std::nullopt;
  return rows.front().text(0);
}

void SettingsStore::set(std::string_view key, std::string_view value) {
  // One statement, so two writers of the same key cannot both try to insert it.
  // ON CONFLICT … DO UPDATE is understood by SQLite (3.24+) and PostgreSQL alike.
  db_.execute(
      "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      {std::string(key), std::string(value), now_rfc3339()});
}

}  // namespace dokkerr::store
