#pragma once
// Cron expressions for backup schedules: the five standard fields (minute hour day-of-month month
// day-of-week) with `*`, lists, ranges and `/steps`, names for months and days (jan, mon), and
// @hourly, @daily, @weekly, @monthly; evaluated in UTC. As in cron, a day matches when either
// restricted day field matches. Written here because no maintained C++ cron library is packaged
// for Debian; the grammar is small and fully tested.
#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

namespace dokkerr::backup {

class CronSchedule {
 public:
  // Error{invalid, "invalid_cron"} naming the field that is wrong.
  static CronSchedule parse(std::string_view text);

  // The first whole minute strictly after `after_unix` (seconds) that matches, in unix seconds;
  // searches at most five years ahead (Error invalid "invalid_cron" for one that never matches,
  // such as 30 February).
  [[nodiscard]] std::int64_t next_after(std::int64_t after_unix) const;

  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1–31
  std::bitset<13> months_;   // 1–12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool any_day_ = true;
  bool any_weekday_ = true;
};

}  // namespace dokkerr::backup
