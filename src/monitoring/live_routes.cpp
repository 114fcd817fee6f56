#include "monitoring/live_routes.hpp"

#include "core/error.hpp"
#include "core/principal.hpp"
#include "http/router.hpp"
#include "monitoring/engine_stats.hpp"
#include "monitoring/history_routes.hpp"
#include "monitoring/live_feed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <map>

namespace dokkerr::monitoring {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using namespace boost::asio::experimental::awaitable_operators;

struct Selection {
  TargetKind kind = TargetKind::team;
  std::string target;
};

Selection selection_of(const http::QueryParams& query) {
  const auto target = query.get("target").value_or("");
  const auto colon = target.find(':');
  const auto kind = target.substr(0, colon == std::string::npos ? 0 : colon);
  Selection out;
  out.target = colon == std::string::npos ? "" : target.substr(colon + 1);
  if (kind == "container") {
    out.kind = TargetKind::container;
  } else if (kind == "team") {
    out.kind = TargetKind::team;
  } else if (kind == "environment") {
    out.kind = TargetKind::environment;
  } else {
    out.target.clear();
  }
  if (out.target.empty() || out.target.size() > 128) {
    throw Error::invalid("invalid_parameter",
                         "target must be container:<id>, team:<id> or environment:<id>.");
  }
  return out;
}

bool selected(const Selection& selection, const LiveRow& row) {
  switch (selection.kind) {
    case TargetKind::container:
      return row.id == selection.target;
    case TargetKind::team:
      return row.team == selection.target;
    case TargetKind::environment:
      return row.environment == selection.target;
    case TargetKind::all:
      return true;
  }
  return false;
}

bj::value number_or_null(const std::optional<double>& value) {
  return value ? bj::value(*value) : bj::value(nullptr);
}

std::string message_of(const LiveRound& round, const Selection& selection,
                       const HistoryVisibility& visible,
                       std::map<std::pair<std::string, std::string>, bool>& seen) {
  bj::array items;
  double cpu = 0, memory = 0, rx = 0, tx = 0;
  for (const auto& row : round.rows) {
    if (!selected(selection, row)) continue;
    const auto key = std::make_pair(row.environment, row.team);
    auto found = seen.find(key);
    if (found == seen.end()) found = seen.emplace(key, visible(row.environment, row.team)).first;
    if (!found->second) continue;
    cpu += row.cpu_percent.value_or(0);
    memory += row.memory_bytes;
    rx += row.network_receive_bps.value_or(0);
    tx += row.network_transmit_bps.value_or(0);
    items.push_back(bj::object{
        {"container", bj::object{{"id", row.id}, {"name", row.name}}},
        {"environment", row.environment},
        {"team_id", row.team.empty() ? bj::value(nullptr) : bj::value(row.team)},
        {"cpu_percent", number_or_null(row.cpu_percent)},
        {"memory_bytes", row.memory_bytes},
        {"memory_percent", number_or_null(row.memory_percent)},
        {"network_receive_bytes_per_second", number_or_null(row.network_receive_bps)},
        {"network_transmit_bytes_per_second", number_or_null(row.network_transmit_bps)}});
  }
  return bj::serialize(bj::object{{"at", rfc3339(round.at_ms)},
                                  {"total", bj::object{{"containers", items.size()},
                                                       {"cpu_percent", cpu},
                                                       {"memory_bytes", memory},
                                                       {"network_receive_bytes_per_second", rx},
                                                       {"network_transmit_bytes_per_second", tx}}},
                                  {"items", std::move(items)}});
}

}  // namespace

void add_live_routes(http::Router& router, const LiveFeed& feed, const HistoryAccess& access) {
  router.add(
      http::Verb::get, "/api/v1/metrics/live",
      [&feed, &access](http::RequestContext& c) -> asio::awaitable<http::Reply> {
        if (!c.is_websocket_upgrade()) {
          throw Error(ErrorKind::upgrade_required, "websocket_required",
                      "This is a WebSocket endpoint.");
        }
        const auto selection = selection_of(c.query);
        auto visible = access.visibility_for(c.caller());
        co_return http::WebSocketReply{
            [&feed, selection, visible](http::WebSocketChannel& socket) -> asio::awaitable<void> {
              constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);
              auto executor = co_await asio::this_coro::executor;
              bool gone = false;
              auto send = [&]() -> asio::awaitable<void> {
                asio::steady_timer tick(executor);
                std::int64_t sent_at = -1;
                // Visibility per (environment, team), asked once per stream.
                std::map<std::pair<std::string, std::string>, bool> seen;
                bool open = true;
                while (open && !gone) {
                  const auto round = feed.latest();
                  if (round->at_ms != sent_at && round->at_ms > 0) {
                    sent_at = round->at_ms;
                    open = co_await socket.send_text(message_of(*round, selection, visible, seen));
                  }
                  tick.expires_after(std::chrono::milliseconds(250));
                  co_await tick.async_wait(as_tuple);
                }
                co_await socket.close(1000, "stream ended");
              };
              auto watch = [&]() -> asio::awaitable<void> {
                while (co_await socket.read()) {
                }
                gone = true;
              };
              co_await (send() && watch());
            }};
      },
      http::needs(http::access::kAuthenticated));
}

}  // namespace dokkerr::monitoring
