#include "backup/cron.hpp"

#include "core/error.hpp"

#include <array>
#include <ctime>
#include <vector>

namespace dokkerr::backup {
namespace {

Error invalid(const std::string& why) {
  return Error::invalid("invalid_cron", "cron: " + why + ".");
}

std::vector<std::string_view> split(std::string_view text, char by) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = text.find(by, start);
    out.push_back(text.substr(start, at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

constexpr std::array<std::string_view, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDays{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

int value_of(std::string_view token, int low, int high, std::string_view field) {
  std::string lower(token);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (field == "month") {
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
      if (lower == kMonths[i]) return static_cast<int>(i) + 1;
    }
  }
  if (field == "day of week") {
    for (std::size_t i = 0; i < kDays.size(); ++i) {
      if (lower == kDays[i]) return static_cast<int>(i);
    }
  }
  if (token.empty() || token.size() > 2)
    throw invalid(std::string(field) + " '" + std::string(token) + "'");
  int value = 0;
  for (const char c : token) {
    if (c < '0' || c > '9') throw invalid(std::string(field) + " '" + std::string(token) + "'");
    value = value * 10 + (c - '0');
  }
  if (field == "day of week" && value == 7) value = 0;  // 7 is Sunday too
  if (value < low || value > high) {
    throw invalid(std::string(field) + " " + std::to_string(value) + " outside " +
                  std::to_string(low) + "-" + std::to_string(high));
  }
  return value;
}

// Fills `bits` for one field; returns false when the field is "*" (unrestricted).
template <std::size_t N>
bool parse_field(std::string_view text, int low, int high, std::string_view field,
                 std::bitset<N>& bits) {
  if (text.empty()) throw invalid(std::string(field) + " is empty");
  const bool star = text == "*";
  for (const auto part : split(text, ',')) {
    auto range = part;
    int step = 1;
    if (const auto slash = part.find('/'); slash != std::string_view::npos) {
      range = part.substr(0, slash);
      step = value_of(part.substr(slash + 1), 1, high, std::string(field) + " step");
    }
    int from = low;
    int to = field == "day of week" ? 6 : high;
    if (range != "*") {
      const auto dash = range.find('-');
      from = value_of(range.substr(0, dash), low, high, field);
      to = dash == std::string_view::npos ? (part.find('/') != std::string_view::npos ? high : from)
                                          : value_of(range.substr(dash + 1), low, high, field);
      if (field == "day of week" && dash != std::string_view::npos &&
          range.substr(dash + 1) == "7") {
        to = 6;
        bits.set(0);
      }
      if (to < from) throw invalid(std::string(field) + " range runs backwards");
    }
    for (int v = from; v <= to; v += step) bits.set(static_cast<std::size_t>(v));
  }
  return !star;
}

}  // namespace

CronSchedule CronSchedule::parse(std::string_view text) {
  if (text.size() > 200) throw invalid("longer than 200 characters");
  std::string expanded(text);
  if (text == "@hourly") expanded = "0 * * * *";
  if (text == "@daily" || text == "@midnight") expanded = "0 0 * * *";
  if (text == "@weekly") expanded = "0 0 * * 0";
  if (text == "@monthly") expanded = "0 0 1 * *";
  std::vector<std::string_view> fields;
  for (const auto field : split(expanded, ' ')) {
    if (!field.empty()) fields.push_back(field);
  }
  if (fields.size() != 5) throw invalid("expected five fields: minute hour day month weekday");
  CronSchedule out;
  out.text_ = std::string(text);
  parse_field(fields[0], 0, 59, "minute", out.minutes_);
  parse_field(fields[1], 0, 23, "hour", out.hours_);
  out.any_day_ = !parse_field(fields[2], 1, 31, "day of month", out.days_);
  parse_field(fields[3], 1, 12, "month", out.months_);
  out.any_weekday_ = !parse_field(fields[4], 0, 7, "day of week", out.weekdays_);
  static_cast<void>(out.next_after(0));  // refuses one that never matches
  return out;
}

std::int64_t CronSchedule::next_after(std::int64_t after_unix) const {
  std::int64_t t = (after_unix / 60 + 1) * 60;
  const std::int64_t limit = t + std::int64_t{5} * 366 * 24 * 3600;
  while (t < limit) {
    const auto time = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&time, &tm);
    const bool month_ok = months_.test(static_cast<std::size_t>(tm.tm_mon + 1));
    if (!month_ok) {  // to the first minute of the next month
      tm.tm_mon += 1;
      tm.tm_mday = 1;
      tm.tm_hour = 0;
      tm.tm_min = 0;
      tm.tm_sec = 0;
      t = static_cast<std::int64_t>(timegm(&tm));
      continue;
    }
    const bool dom = days_.test(static_cast<std::size_t>(tm.tm_mday));
    const bool dow = weekdays_.test(static_cast<std::size_t>(tm.tm_wday));
    const bool day_ok = any_day_ && any_weekday_ ? true
                        : any_day_               ? dow
                        : any_weekday_           ? dom
                                                 : (dom || dow);
    if (!day_ok) {  // to the next day
      t = (t / 86400 + 1) * 86400;
      continue;
    }
    if (!hours_.test(static_cast<std::size_t>(tm.tm_hour))) {
      t = (t / 3600 + 1) * 3600;
      continue;
    }
    if (minutes_.test(static_cast<std::size_t>(tm.tm_min))) return t;
    t += 60;
  }
  throw invalid("'" + text_ + "' never matches");
}

}  // namespace dokkerr::backup
