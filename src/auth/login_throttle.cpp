#include "auth/login_throttle.hpp"

#include "core/clock.hpp"

#include <algorithm>

namespace dokkerr::auth {

using std::chrono::seconds;

std::optional<std::int64_t> LoginThrottle::locked(std::string_view key) {
  const auto record = store_.find(key);
  if (!record || !record->locked_until) return std::nullopt;
  const auto& until = *record->locked_until;
  if (until <= clock_.stamp()) return std::nullopt;
  // Seconds left, rounded up; the stamps are RFC 3339, so compare by formatting.
  for (std::int64_t s = 1; s <= settings_.max_lockout_seconds + 1; ++s) {
    if (clock_.stamp_in(seconds(s)) >= until) return s;
  }
  return settings_.max_lockout_seconds;
}

bool LoginThrottle::count_failure(std::string_view key, int threshold) {
  bool locked_now = false;
  const auto now = clock_.stamp();
  const auto window_start = clock_.stamp_in(-seconds(settings_.window_seconds));
  store_.update(key, [&](const std::optional<ThrottleRecord>& current) {
    ThrottleRecord next{1, now, 0, std::nullopt};
    if (current) {
      next.lockouts = current->lockouts;
      next.failures = current->window_start >= window_start ? current->failures + 1 : 1;
      if (next.failures != 1) next.window_start = current->window_start;
    }
    locked_now = next.failures >= threshold;
    if (locked_now) {
      const auto lockout =
          std::min(settings_.first_lockout_seconds << std::min<std::int64_t>(next.lockouts, 20),
                   settings_.max_lockout_seconds);
      next.locked_until = clock_.stamp_in(seconds(lockout));
      next.failures = 0;
      ++next.lockouts;
    }
    return next;
  });
  return locked_now;
}

void LoginThrottle::clear(std::string_view key) {
  store_.clear(key);
}

}  // namespace dokkerr::auth
