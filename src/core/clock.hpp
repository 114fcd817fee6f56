#pragma once
// Time as the services see it. Every rule that depends on the wall clock (expiry, lockouts,
// grace windows, retention) reads it through a Clock passed in at construction, so tests move
// time with a ManualClock instead of sleeping.
//
// Timestamps as stored and served: RFC 3339 in UTC with milliseconds ("2026-11-25T23:33:12.123Z").
// The fixed width makes string order equal to time order, which the database relies on.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;

  // Seconds since the epoch (JWT claims, TOTP steps).
  [[nodiscard]] std::int64_t unix_seconds() const;
  // now() as a stored timestamp, and the timestamp `seconds` from now (negative: in the past).
  [[nodiscard]] std::string stamp() const;
  [[nodiscard]] std::string stamp_in(std::chrono::seconds offset) const;
};

// The system's wall clock.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to: for tests, and for tools that replay a moment.
// Safe to read from several threads while one advances it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{std::chrono::hours(24 * 365 * 56)})
      : now_(start.time_since_epoch().count()) {}
  [[nodiscard]] TimePoint now() const override {
    return TimePoint{TimePoint::duration{now_.load()}};
  }
  void advance(std::chrono::milliseconds by) {
    now_ += std::chrono::duration_cast<TimePoint::duration>(by).count();
  }
  void set(TimePoint to) { now_ = to.time_since_epoch().count(); }

 private:
  std::atomic<TimePoint::rep> now_;
};

// Truncates to milliseconds (never rounds up, so a stamp is never in the future).
[[nodiscard]] std::string format_rfc3339(TimePoint tp);
// The instant of a stored timestamp (exactly the format above), or nullopt for anything else.
[[nodiscard]] std::optional<TimePoint> parse_stamp(std::string_view stamp);

}  // namespace dokkerr
