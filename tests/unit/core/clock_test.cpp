#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace dokkerr {
namespace {

using namespace std::chrono;

sys_time<milliseconds> at(year_month_day day, hours h, minutes m, seconds s, milliseconds ms) {
  return sys_days{day} + h + m + s + ms;
}

TEST(ClockTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_rfc3339(at(2026y / 11 / 25, 23h, 33min, 12s, 123ms)),
            "2026-11-25T23:33:12.123Z");
  EXPECT_EQ(format_rfc3339(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(at(2000y / 2 / 29, 0h, 0min, 0s, 7ms)), "2000-02-29T00:00:00.007Z");
}

TEST(ClockTest, TruncatesSubMillisecondsAndHandlesTimesBefore1970) {
  EXPECT_EQ(format_rfc3339(system_clock::time_point{} + microseconds(1999)),
            "1970-01-01T00:00:00.001Z");
  // One microsecond before the epoch is still in 1969's last millisecond.
  EXPECT_EQ(format_rfc3339(system_clock::time_point{} - microseconds(1)),
            "1969-12-31T23:59:59.999Z");
}

TEST(ClockTest, TheSystemClocksStampHasTheFixedShape) {
  EXPECT_TRUE(std::regex_match(SystemClock{}.stamp(),
                               std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
}

TEST(ClockTest, AManualClockMovesOnlyWhenTold) {
  ManualClock clock(sys_days{2026y / 11 / 25} + 23h + 59min + 59s);
  EXPECT_EQ(clock.stamp(), "2026-11-25T23:59:59.000Z");
  EXPECT_EQ(clock.stamp(), "2026-11-25T23:59:59.000Z");
  clock.advance(1500ms);
  EXPECT_EQ(clock.stamp(), "2026-11-26T00:00:00.500Z");
  EXPECT_EQ(clock.stamp_in(-30s), "2026-11-25T23:59:30.500Z");
  EXPECT_EQ(clock.unix_seconds(), 1'795'651'200);
  clock.set(system_clock::time_point{});
  EXPECT_EQ(clock.unix_seconds(), 0);
}

TEST(ClockTest, ParsesStoredStampsOnly) {
  const auto tp = at(2026y / 11 / 25, 23h, 33min, 12s, 123ms);
  EXPECT_EQ(parse_stamp("2026-11-25T23:33:12.123Z"), system_clock::time_point(tp));
  EXPECT_EQ(parse_stamp(format_rfc3339(tp)), system_clock::time_point(tp));
  EXPECT_EQ(parse_stamp("2026-11-25T23:33:12Z"), std::nullopt);
  EXPECT_EQ(parse_stamp("2026-13-25T23:33:12.123Z"), std::nullopt);
  EXPECT_EQ(parse_stamp("2026-02-30T23:33:12.123Z"), std::nullopt);
  EXPECT_EQ(parse_stamp("2026-11-25T24:33:12.123Z"), std::nullopt);
  EXPECT_EQ(parse_stamp("2026-11-25 23:33:12.123Z"), std::nullopt);
  EXPECT_EQ(parse_stamp("+026-11-25T23:33:12.123Z"), std::nullopt);
  EXPECT_EQ(parse_stamp(""), std::nullopt);
}

}  // namespace
}  // namespace dokkerr
