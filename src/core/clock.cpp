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

}  // namespace dokkerr
