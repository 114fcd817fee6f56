#pragma once
// Slows down password guessing: failed sign-ins are counted per account and per client address
// within a window; reaching the threshold locks the key out for a while that doubles with each
// lockout in a row, but is always temporary (an attacker can slow an account down, never close
// it). Shared by replicas through the ThrottleStore. Every call blocks: run it on the pool.
#include "auth/throttle_store.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace dokkerr {
class Clock;
}

namespace dokkerr::auth {

struct ThrottleSettings {
  int account_failures = 5;   // failed logins per account within the window before a lockout
  int address_failures = 20;  // per client address
  std::int64_t window_seconds = 15 * 60;
  std::int64_t first_lockout_seconds = 30;  // doubles with each lockout in a row
  std::int64_t max_lockout_seconds = 15 * 60;
};

class LoginThrottle {
 public:
  LoginThrottle(ThrottleStore& store, const Clock& clock, ThrottleSettings settings = {})
      : store_(store), clock_(clock), settings_(settings) {}

  [[nodiscard]] const ThrottleSettings& settings() const { return settings_; }

  // Seconds left (rounded up) while the key is locked out.
  std::optional<std::int64_t> locked(std::string_view key);
  // Counts a failure; true when it started a lockout.
  bool count_failure(std::string_view key, int threshold);
  void clear(std::string_view key);

 private:
  ThrottleStore& store_;
  const Clock& clock_;
  ThrottleSettings settings_;
};

}  // namespace dokkerr::auth
