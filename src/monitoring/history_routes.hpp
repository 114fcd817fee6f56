#pragma once
// GET /api/v1/metrics/query: the metrics history of a container, a team or an environment.
#include "monitoring/history.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace dokkerr {
class BlockingPool;
class Clock;
struct Principal;
}  // namespace dokkerr

namespace dokkerr::http {
class Router;
}

namespace dokkerr::monitoring {

// Whose history a caller may read: the containers.read permission in the team that owned the
// container in its environment (admins: all). Filled by the app from the tenancy rules.
class HistoryAccess {
 public:
  virtual ~HistoryAccess() = default;
  [[nodiscard]] virtual HistoryVisibility visibility_for(const Principal& caller) const = 0;
};

// A time as unix seconds ("1733526000", "1733526000.5") or RFC 3339
// ("2026-12-06T23:00:00Z", "…+01:00"), in milliseconds since the epoch.
[[nodiscard]] std::optional<std::int64_t> parse_time_ms(std::string_view text);
// A step as seconds ("15", "0.5") or with a unit ("15s", "5m", "1h", "1d"), in milliseconds.
[[nodiscard]] std::optional<std::int64_t> parse_step_ms(std::string_view text);

// Everything passed must outlive the router.
void add_history_routes(http::Router& router, History& history, const HistoryAccess& access,
                        BlockingPool& blocking, const Clock& clock);

}  // namespace dokkerr::monitoring
