#include "monitoring/history_routes.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <tuple>

namespace dokkerr::monitoring {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr std::int64_t kSecondMs = 1000;
// Points a query gives when it names no step.
constexpr std::int64_t kDefaultPoints = 300;
// The longest range one query may span.
constexpr std::int64_t kMaxRangeMs = 400LL * 24 * 3600 * kSecondMs;

std::optional<double> number_of(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// RFC 3339's date-time by hand: the standard library here has no chrono::parse yet.
std::optional<std::int64_t> rfc3339_ms(std::string_view text) {
  const auto year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':' || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  std::size_t at = 19;
  std::int64_t fraction_ms = 0;
  if (at < text.size() && text[at] == '.') {
    std::int64_t scale = 100;
    ++at;
    const auto first = at;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      fraction_ms += (text[at] - '0') * scale;
      scale /= 10;
    }
    if (at == first) return std::nullopt;
  }
  std::int64_t offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const auto oh = digits(text, at + 1, 2), om = digits(text, at + 4, 2);
    if (!oh || !om || at + 3 >= text.size() || text[at + 3] != ':' || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    offset_minutes = (text[at] == '+' ? 1 : -1) * (*oh * 60 + *om);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  const auto days = std::chrono::sys_days(date).time_since_epoch().count();
  return ((static_cast<std::int64_t>(days) * 24 + *hour) * 60 + *minute - offset_minutes) * 60 *
             kSecondMs +
         std::min(*second, 59) * kSecondMs + fraction_ms;
}

std::int64_t now_ms(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
      .count();
}

// The range of an analytics query: from/to as for the history, default the last hour.
std::pair<std::int64_t, std::int64_t> range_of(const http::QueryParams& params, std::int64_t now) {
  auto time_param = [&](std::string_view name, std::int64_t fallback) {
    const auto text = params.get(name);
    if (!text) return fallback;
    const auto parsed = parse_time_ms(*text);
    if (!parsed) {
      throw Error::invalid("invalid_parameter",
                           std::string(name) + " must be unix seconds or an RFC 3339 time.");
    }
    return *parsed;
  };
  const auto to = time_param("to", now);
  const auto from = time_param("from", to - 3600 * kSecondMs);
  if (from >= to || to - from > kMaxRangeMs) {
    throw Error::invalid("invalid_parameter", "from must be before to, at most 400 days apart.");
  }
  return {from, to};
}

HistoryQuery query_of(const http::QueryParams& params, std::int64_t now) {
  HistoryQuery query;
  const auto target = params.get("target");
  if (!target) {
    throw Error::invalid("invalid_parameter",
                         "Name a target: container:<id>, team:<id> or environment:<id>.");
  }
  const auto colon = target->find(':');
  const auto kind = target->substr(0, colon);
  query.target = colon == std::string::npos ? "" : target->substr(colon + 1);
  if (kind == "container") {
    query.kind = TargetKind::container;
  } else if (kind == "team") {
    query.kind = TargetKind::team;
  } else if (kind == "environment") {
    query.kind = TargetKind::environment;
  } else {
    query.target.clear();
  }
  if (query.target.empty() || query.target.size() > 128) {
    throw Error::invalid("invalid_parameter",
                         "target must be container:<id>, team:<id> or environment:<id>.");
  }
  for (const auto& list : params.all("metric")) {
    std::size_t begin = 0;
    while (begin <= list.size()) {
      const auto end = std::min(list.find(',', begin), list.size());
      const auto name = std::string_view(list).substr(begin, end - begin);
      const auto metric = metric_named(name);
      if (!metric) {
        throw Error::invalid("unknown_metric", "Unknown metric \"" +
                                                   std::string(name.substr(0, 64)) +
                                                   "\"; see the API description for the list.");
      }
      if (std::ranges::find(query.metrics, *metric) == query.metrics.end()) {
        query.metrics.push_back(*metric);
      }
      begin = end + 1;
    }
  }
  if (query.metrics.empty()) {
    throw Error::invalid("invalid_parameter", "Name at least one metric (metric=cpu_percent).");
  }
  std::tie(query.from_ms, query.to_ms) = range_of(params, now);
  if (const auto step = params.get("step")) {
    const auto parsed = parse_step_ms(*step);
    if (!parsed) {
      throw Error::invalid("invalid_parameter",
                           "step must be seconds or a duration such as 15s, 5m, 1h.");
    }
    query.step_ms = *parsed;
  } else {
    const auto span = query.to_ms - query.from_ms;
    query.step_ms = std::max<std::int64_t>(
        kSecondMs, (span / kDefaultPoints + kSecondMs - 1) / kSecondMs * kSecondMs);
  }
  return query;
}

std::string_view kind_name(TargetKind kind) {
  switch (kind) {
    case TargetKind::container:
      return "container";
    case TargetKind::team:
      return "team";
    case TargetKind::environment:
      return "environment";
    case TargetKind::all:
      return "all";
  }
  return "";
}

double seconds_of(std::int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

json::object to_json(const HistoryQuery& query, const HistoryAnswer& answer) {
  json::array series;
  for (const auto& one : answer.series) {
    json::array points;
    points.reserve(one.points.size());
    for (const auto& [at, value] : one.points) points.push_back(json::array{seconds_of(at), value});
    series.push_back(
        json::object{{"metric", metric_name(one.metric)}, {"points", std::move(points)}});
  }
  return json::object{
      {"target", std::string(kind_name(query.kind)) + ":" + query.target},
      {"tier", tier_name(answer.tier)},
      {"from", seconds_of(answer.from_ms)},
      {"to", seconds_of(answer.to_ms)},
      {"step", seconds_of(answer.step_ms)},
      {"series", std::move(series)},
  };
}

// Narrowing of an analytics query: ?team= or ?environment= (or neither: all the caller sees).
std::pair<TargetKind, std::string> scope_of(const http::QueryParams& params) {
  const auto team = params.get("team");
  const auto environment = params.get("environment");
  if (team && environment) {
    throw Error::invalid("invalid_parameter", "Give team or environment, not both.");
  }
  const auto& named = team ? team : environment;
  if (named && (named->empty() || named->size() > 128)) {
    throw Error::invalid("invalid_parameter",
                         "team and environment are ids of 1 to 128 characters.");
  }
  if (team) return {TargetKind::team, *team};
  if (environment) return {TargetKind::environment, *environment};
  return {TargetKind::all, ""};
}

// The figure a container ranks by: an average over the time its samples cover.
std::optional<double> ranking_value(std::string_view by, const UsageTotals& totals) {
  if (totals.seconds <= 0) return std::nullopt;
  if (by == "cpu_percent") return totals.cpu_seconds * 100.0 / totals.seconds;
  if (by == "memory_bytes") return totals.memory_byte_seconds / totals.seconds;
  if (by == "network_receive_bytes_per_second")
    return totals.network_receive_bytes / totals.seconds;
  if (by == "network_transmit_bytes_per_second") {
    return totals.network_transmit_bytes / totals.seconds;
  }
  if (by == "block_read_bytes_per_second") return totals.block_read_bytes / totals.seconds;
  if (by == "block_write_bytes_per_second") return totals.block_write_bytes / totals.seconds;
  return std::nullopt;
}

constexpr std::array<std::string_view, 6> kRankings{"cpu_percent",
                                                    "memory_bytes",
                                                    "network_receive_bytes_per_second",
                                                    "network_transmit_bytes_per_second",
                                                    "block_read_bytes_per_second",
                                                    "block_write_bytes_per_second"};

json::object totals_json(const UsageTotals& totals) {
  return json::object{{"seconds", totals.seconds},
                      {"cpu_seconds", totals.cpu_seconds},
                      {"memory_byte_seconds", totals.memory_byte_seconds},
                      {"network_receive_bytes", totals.network_receive_bytes},
                      {"network_transmit_bytes", totals.network_transmit_bytes},
                      {"block_read_bytes", totals.block_read_bytes},
                      {"block_write_bytes", totals.block_write_bytes}};
}

}  // namespace

std::optional<std::int64_t> parse_time_ms(std::string_view text) {
  if (text.empty() || text.size() > 40) return std::nullopt;
  if (const auto seconds = number_of(text)) {
    if (*seconds < 0 || *seconds > 253402300799.0) return std::nullopt;  // year 9999
    return static_cast<std::int64_t>(std::llround(*seconds * 1000.0));
  }
  return rfc3339_ms(text);
}

std::optional<std::int64_t> parse_step_ms(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  double unit_ms = 1000;
  switch (text.back()) {
    case 's':
      text.remove_suffix(1);
      break;
    case 'm':
      unit_ms = 60'000;
      text.remove_suffix(1);
      break;
    case 'h':
      unit_ms = 3'600'000;
      text.remove_suffix(1);
      break;
    case 'd':
      unit_ms = 86'400'000;
      text.remove_suffix(1);
      break;
    default:
      break;
  }
  const auto value = number_of(text);
  if (!value || *value <= 0) return std::nullopt;
  const auto ms = *value * unit_ms;
  if (ms < 1000 || ms > 31.0 * 86'400'000) return std::nullopt;  // 1 s to 31 days
  return static_cast<std::int64_t>(std::llround(ms));
}

void add_history_routes(http::Router& router, History& history, const HistoryAccess& access,
                        BlockingPool& blocking, const Clock& clock) {
  router.add(
      http::Verb::get, "/api/v1/metrics/query",
      [&](http::RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto now = now_ms(clock);
        const auto query = query_of(c.query, now);
        auto visible = access.visibility_for(c.caller());
        auto run = [&] { return history.query(query, visible, now); };
        const auto answer = co_await blocking.run(std::move(run));
        co_return http::ok(json::serialize(to_json(query, answer)));
      },
      http::needs(http::access::kAuthenticated).limited_as(http::RateClass::read));

  router.add(
      http::Verb::get, "/api/v1/metrics/top",
      [&](http::RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto now = now_ms(clock);
        const auto by = c.query.get("by").value_or("cpu_percent");
        if (std::ranges::find(kRankings, by) == kRankings.end()) {
          throw Error::invalid("unknown_metric",
                               "by must be cpu_percent, memory_bytes, network_receive_bytes_per_"
                               "second, network_transmit_bytes_per_second, block_read_bytes_per_"
                               "second or block_write_bytes_per_second.");
        }
        const auto limit = static_cast<std::size_t>(c.query.integer("limit", 10, 1, 100));
        const auto [from, to] = range_of(c.query, now);
        const auto [kind, target] = scope_of(c.query);
        auto visible = access.visibility_for(c.caller());
        auto run = [&] { return history.usage(kind, target, from, to, visible, now); };
        const auto usage = co_await blocking.run(std::move(run));
        std::vector<std::pair<double, const ContainerUsage*>> ranked;
        for (const auto& container : usage) {
          if (const auto value = ranking_value(by, container.totals)) {
            ranked.emplace_back(*value, &container);
          }
        }
        std::ranges::sort(ranked, std::greater<>{},
                          &std::pair<double, const ContainerUsage*>::first);
        if (ranked.size() > limit) ranked.resize(limit);
        json::array items;
        for (const auto& [value, container] : ranked) {
          items.push_back(json::object{
              {"container",
               json::object{{"id", container->key.container_id}, {"name", container->key.name}}},
              {"environment", container->key.environment},
              {"team_id", container->key.team.empty() ? json::value(nullptr)
                                                      : json::value(container->key.team)},
              {"value", value}});
        }
        co_return http::ok(json::serialize(json::object{{"by", by},
                                                        {"from", seconds_of(from)},
                                                        {"to", seconds_of(to)},
                                                        {"items", std::move(items)}}));
      },
      http::needs(http::access::kAuthenticated).limited_as(http::RateClass::read));

  router.add(
      http::Verb::get, "/api/v1/metrics/usage",
      [&](http::RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto now = now_ms(clock);
        const auto [from, to] = range_of(c.query, now);
        const auto [kind, target] = scope_of(c.query);
        auto visible = access.visibility_for(c.caller());
        auto run = [&] { return history.usage(kind, target, from, to, visible, now); };
        const auto usage = co_await blocking.run(std::move(run));
        std::map<std::string, std::pair<std::size_t, UsageTotals>> teams;
        for (const auto& container : usage) {
          auto& [containers, totals] = teams[container.key.team];
          ++containers;
          totals += container.totals;
        }
        json::array items;
        for (const auto& [team, entry] : teams) {
          auto item = totals_json(entry.second);
          item["team_id"] = team.empty() ? json::value(nullptr) : json::value(team);
          item["containers"] = entry.first;
          items.push_back(std::move(item));
        }
        co_return http::ok(json::serialize(json::object{
            {"from", seconds_of(from)}, {"to", seconds_of(to)}, {"items", std::move(items)}}));
      },
      http::needs(http::access::kAuthenticated).limited_as(http::RateClass::read));
}

}  // namespace dokkerr::monitoring
