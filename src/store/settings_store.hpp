#pragma once
// Key/value settings of the installation (the settings table), shared by every replica.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr {
class Clock;
}

namespace dokkerr::store {

class Database;

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view key) = 0;
  // Inserts or replaces the value, stamping updated_at.
  virtual void set(std::string_view key, std::string_view value) = 0;
};

std::unique_ptr<SettingsStore> make_sql_settings_store(Database& db, const Clock& clock);

}  // namespace dokkerr::store
