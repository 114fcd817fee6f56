#include "core/clock.hpp"

#include <array>
#include <cstdio>

namespace dokkerr {

std::int64_t Clock::unix_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
}

std::string Clock::stamp() const {
  return format_rfc3339(now());
}

std::string Clock::stamp_in(std::chrono::seconds offset) const {
  return format_rfc3339(now() + offset);
}

std::string format_rfc3339(TimePoint tp) {
  using namespace std::chrono;
  // floor (not duration_cast) so instants before 1970 land on the right day and millisecond.
  const auto ms = floor<milliseconds>(tp);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  std::array<char, 32> buf{};
  const int n = std::snprintf(
      buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
      static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
      static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return {buf.data(), static_cast<std::size_t>(n > 0 ? n : 0)};
}

std::optional<TimePoint> parse_stamp(std::string_view stamp) {
  using namespace std::chrono;
  // "2026-11-25T23:33:12.123Z": fixed positions, digits everywhere else.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (stamp.size() != kShape.size()) return std::nullopt;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = stamp[i] >= '0' && stamp[i] <= '9';
    if (kShape[i] == 'd' ? !digit : stamp[i] != kShape[i]) return std::nullopt;
  }
  auto number = [&](std::size_t at, std::size_t width) {
    int value = 0;
    for (std::size_t i = at; i < at + width; ++i) value = value * 10 + (stamp[i] - '0');
    return value;
  };
  const year_month_day ymd{year{number(0, 4)}, month{static_cast<unsigned>(number(5, 2))},
                           day{static_cast<unsigned>(number(8, 2))}};
  const int hours_of_day = number(11, 2);
  const int minutes_of_hour = number(14, 2);
  const int seconds_of_minute = number(17, 2);
  if (!ymd.ok() || hours_of_day > 23 || minutes_of_hour > 59 || seconds_of_minute > 60) {
    return std::nullopt;
  }
  return TimePoint{sys_days{ymd} + hours{hours_of_day} + minutes{minutes_of_hour} +
                   seconds{seconds_of_minute} + milliseconds{number(20, 3)}};
}

}  // namespace dokkerr
