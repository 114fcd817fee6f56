#pragma once
// Key/value settings of the installation (the settings table).
#include "store/database.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::store {

class SettingsStore {
 public:
  explicit SettingsStore(Database& db) : db_(db) {}

  [[nodiscard]] std::optional<std::string> get(std::string_view key);
  // Inserts or replaces the value, stamping updated_at.
  void set(std::string_view key, std::string_view value);

 private:
  Database& db_;
};

}  // namespace dokkerr::store
