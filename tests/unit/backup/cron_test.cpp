#include "backup/cron.hpp"

#include "backup/backup_schedules.hpp"
#include "core/error.hpp"

#include <gtest/gtest.h>

namespace dokkerr::backup {
namespace {

// 2026-12-07T02:30:00Z, a Monday.
constexpr std::int64_t kMonday0230 = 1796610600;

std::int64_t next(std::string_view cron, std::int64_t after = kMonday0230) {
  return CronSchedule::parse(cron).next_after(after);
}

TEST(Cron, EveryMinuteIsTheNextWholeMinute) {
  EXPECT_EQ(next("* * * * *"), kMonday0230 + 60);
  EXPECT_EQ(next("* * * * *", kMonday0230 + 59), kMonday0230 + 60);
}

TEST(Cron, FieldsListsRangesAndSteps) {
  EXPECT_EQ(next("45 2 * * *"), kMonday0230 + 15 * 60);
  EXPECT_EQ(next("15 3 * * *"), kMonday0230 + 45 * 60);
  EXPECT_EQ(next("0 */6 * * *"), kMonday0230 + (6 * 3600 - 2 * 3600 - 30 * 60));  // 06:00
  EXPECT_EQ(next("10,40 2 * * *"), kMonday0230 + 10 * 60);
  EXPECT_EQ(next("0 1-3 * * *"), kMonday0230 + 30 * 60);  // 03:00
  EXPECT_EQ(next("@daily"), kMonday0230 + 21 * 3600 + 30 * 60);
  EXPECT_EQ(next("@hourly"), kMonday0230 + 30 * 60);
}

TEST(Cron, DaysOfWeekMonthsAndNames) {
  // Sunday 2026-12-13 00:00.
  EXPECT_EQ(next("@weekly"), kMonday0230 + 6 * 86400 - (2 * 3600 + 30 * 60));
  EXPECT_EQ(next("0 0 * * 7"), next("0 0 * * sun"));
  EXPECT_EQ(next("0 0 * * 1-5"), kMonday0230 + 86400 - (2 * 3600 + 30 * 60));  // Tuesday 00:00
  EXPECT_EQ(next("0 0 1 jan *"), 1798761600);                                  // 2027-01-01
  EXPECT_EQ(next("0 0 29 feb *"), 1835395200);                                 // 2028-02-29
  // Both day fields restricted: either matches (the 1st, or any Friday).
  EXPECT_EQ(next("0 0 1 * fri"), kMonday0230 + 4 * 86400 - (2 * 3600 + 30 * 60));
}

TEST(Cron, RefusesWhatIsNotCron) {
  for (const char* bad : {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
                          "* * 32 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *",
                          "a * * * *", "0 0 30 feb *", "@yearly", "1,,2 * * * *"}) {
    try {
      static_cast<void>(CronSchedule::parse(bad));
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "invalid_cron") << bad;
    }
  }
}

BackupRun run(std::string id, std::string started_at) {
  BackupRun r;
  r.id = std::move(id);
  r.started_at = std::move(started_at);
  return r;
}

TEST(Retention, KeepsTheNewestAndOnePerDayAndWeek) {
  const std::vector<BackupRun> runs{
      run("a", "2026-12-07T10:00:00.000Z"), run("b", "2026-12-07T04:00:00.000Z"),
      run("c", "2026-12-06T10:00:00.000Z"), run("d", "2026-12-06T04:00:00.000Z"),
      run("e", "2026-12-05T10:00:00.000Z"), run("f", "2026-11-29T10:00:00.000Z"),
      run("g", "2026-11-22T10:00:00.000Z")};
  EXPECT_EQ(runs_to_drop(runs, 7, 0, 0), std::vector<std::string>{});
  EXPECT_EQ(runs_to_drop(runs, 2, 0, 0), (std::vector<std::string>{"c", "d", "e", "f", "g"}));
  // Newest two (a, b), newest of the last three days (a, c, e), newest of the last two ISO
  // weeks (a for week 50, c for week 49).
  EXPECT_EQ(runs_to_drop(runs, 2, 3, 2), (std::vector<std::string>{"d", "f", "g"}));
  EXPECT_EQ(runs_to_drop(runs, 1, 0, 4), (std::vector<std::string>{"b", "d", "e"}));
  EXPECT_EQ(runs_to_drop({}, 1, 1, 1), std::vector<std::string>{});
}

}  // namespace
}  // namespace dokkerr::backup
