#include "auth/api_key_json.hpp"

#include "core/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <chrono>
#include <cstdio>

namespace dokkerr::auth {
namespace {

boost::json::value optional_text(const std::optional<std::string>& text) {
  return text ? boost::json::value(*text) : boost::json::value(nullptr);
}

}  // namespace

std::optional<std::string> utc_stamp(std::string_view text) {
  using namespace std::chrono;
  auto number = [&](std::size_t pos, std::size_t width) -> std::optional<int> {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text.size() < 20 || text.size() > 40 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const auto y = number(0, 4), mo = number(5, 2), d = number(8, 2);
  const auto h = number(11, 2), mi = number(14, 2), s = number(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  std::size_t pos = 19;
  int millis = 0;
  if (text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start || pos - start > 9) return std::nullopt;
    for (std::size_t digits = pos - start; digits < 3; ++digits) millis *= 10;
  }
  int offset = 0;  // minutes east of UTC; 0 for 'Z'
  if (pos + 1 != text.size() || text[pos] != 'Z') {
    if (pos + 6 != text.size() || (text[pos] != '+' && text[pos] != '-') || text[pos + 3] != ':') {
      return std::nullopt;
    }
    const auto oh = number(pos + 1, 2), om = number(pos + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset = (text[pos] == '-' ? -1 : 1) * (*oh * 60 + *om);
  }
  const sys_time<milliseconds> utc =
      sys_days{date} + hours{*h} + minutes{*mi - offset} + seconds{*s} + milliseconds{millis};
  const auto day_point = floor<days>(utc);
  const year_month_day utc_date{day_point};
  if (utc_date.year() < year{1970} || utc_date.year() > year{9999}) return std::nullopt;
  const hh_mm_ss clock_time{utc - day_point};
  std::array<char, 32> buffer{};
  const int n = std::snprintf(
      buffer.data(), buffer.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
      static_cast<int>(utc_date.year()), static_cast<unsigned>(utc_date.month()),
      static_cast<unsigned>(utc_date.day()), static_cast<int>(clock_time.hours().count()),
      static_cast<int>(clock_time.minutes().count()),
      static_cast<int>(clock_time.seconds().count()),
      static_cast<int>(clock_time.subseconds().count()));
  return std::string(buffer.data(), static_cast<std::size_t>(n > 0 ? n : 0));
}

NewApiKey parse_new_api_key(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"name", "scopes", "expires_at", "team_id"});
  NewApiKey request;
  request.name = json::required_string(object, "name");
  if (const auto* scopes = json::optional_array(object, "scopes")) {
    request.scopes.emplace();
    for (const auto& scope : *scopes) {
      if (!scope.is_string()) throw unknown_scope("non-string");
      request.scopes->emplace_back(scope.as_string());
    }
  }
  request.team_id = json::optional_string(object, "team_id");
  if (const auto text = json::optional_string(object, "expires_at")) {
    request.expires_at = utc_stamp(*text);
    if (!request.expires_at) throw invalid_expiry();
  }
  return request;
}

boost::json::object api_key_object(const ApiKeyRecord& key) {
  boost::json::object object{{"id", key.id},
                             {"name", key.name},
                             {"prefix", key.prefix},
                             {"scopes", json::string_array(key.scopes)},
                             {"created_at", key.created_at}};
  object["team_id"] = optional_text(key.team_id);
  object["expires_at"] = optional_text(key.expires_at);
  object["last_used_at"] = optional_text(key.last_used_at);
  object["revoked_at"] = optional_text(key.revoked_at);
  return object;
}

std::string created_api_key_json(const CreatedApiKey& created) {
  const auto& key = created.record;
  boost::json::object object{{"id", key.id},
                             {"name", key.name},
                             {"key", created.key},
                             {"prefix", key.prefix},
                             {"scopes", json::string_array(key.scopes)},
                             {"created_at", key.created_at}};
  object["team_id"] = optional_text(key.team_id);
  object["expires_at"] = optional_text(key.expires_at);
  return boost::json::serialize(object);
}

}  // namespace dokkerr::auth
