#pragma once
// Failed sign-ins per key ("account:<name>", "address:<ip>"), shared by every replica (table
// login_throttle). Every call blocks: run it on the BlockingPool.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::store {
class Database;
}

namespace dokkerr::auth {

struct ThrottleRecord {
  std::int64_t failures = 0;  // in the current window
  std::string window_start;   // when the current window began
  std::int64_t lockouts = 0;  // lockouts in a row
  std::optional<std::string> locked_until;
};

class ThrottleStore {
 public:
  virtual ~ThrottleStore() = default;
  virtual std::optional<ThrottleRecord> find(std::string_view key) = 0;
  // Reads the key's record (none yet: nullopt) and stores what `next` makes of it, in one
  // transaction, so that concurrent failures all count. Returns what was stored.
  virtual ThrottleRecord update(
      std::string_view key,
      const std::function<ThrottleRecord(const std::optional<ThrottleRecord>&)>& next) = 0;
  virtual void clear(std::string_view key) = 0;
};

std::unique_ptr<ThrottleStore> make_sql_throttle_store(store::Database& db);

}  // namespace dokkerr::auth
