#include "monitoring/alert_routes.hpp"

#include "core/blocking_pool.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/principal.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "monitoring/alert_service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::monitoring {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using namespace boost::asio::experimental::awaitable_operators;
using http::RequestContext;
using http::Verb;

template <class Items>
std::string items_json(const Items& items) {
  bj::array out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(to_json(item));
  return bj::serialize(bj::object{{"items", std::move(out)}});
}

std::string rule_json(const CreatedRule& created) {
  auto out = to_json(created.rule);
  // The signing key is shown once, when it is made.
  if (!created.webhook_secret.empty()) out["webhook_secret"] = created.webhook_secret;
  return bj::serialize(out);
}

constexpr std::size_t kStreamedAlerts = 200;

std::optional<AlertState> state_of(const http::QueryParams& query) {
  const auto state = query.get("state");
  if (!state || state->empty()) return std::nullopt;
  if (*state == "firing") return AlertState::firing;
  if (*state == "resolved") return AlertState::resolved;
  throw Error::invalid("invalid_parameter", "state must be firing or resolved.");
}

// The caller's firing alerts, sent when the socket opens and whenever they change. The shared
// signature (one database read a second per replica) says when to look again, and each stream
// sends only what its caller may see, so nobody learns of other teams' alerts.
http::WebSocketReply firing_stream(AlertService& service, BlockingPool& blocking,
                                   Principal caller) {
  auto shared_caller = std::make_shared<const Principal>(std::move(caller));
  return http::WebSocketReply{[&service, &blocking, shared_caller](
                                  http::WebSocketChannel& socket) -> asio::awaitable<void> {
    constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);
    auto executor = co_await asio::this_coro::executor;
    bool gone = false;
    auto send = [&]() -> asio::awaitable<void> {
      asio::steady_timer tick(executor);
      std::string signature, sent;
      bool open = true;
      while (open && !gone) {
        try {
          auto read_signature = [&service] { return service.change_signature(); };
          auto now = co_await blocking.run(std::move(read_signature));
          if (now != signature) {
            signature = std::move(now);
            auto firing = [&service, &shared_caller] {
              auto items = items_json(
                  service.alerts(*shared_caller, AlertState::firing, 0, kStreamedAlerts));
              return "{\"type\":\"firing\"," + items.substr(1);
            };
            auto message = co_await blocking.run(std::move(firing));
            if (message != sent) {
              sent = message;
              open = co_await socket.send_text(std::move(message));
            }
          }
        } catch (const std::exception&) {
          // The database is away for a moment: try again at the next tick.
        }
        tick.expires_after(std::chrono::seconds(1));
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
}

}  // namespace

void add_alert_routes(http::Router& router, AlertService& service, BlockingPool& blocking) {
  using http::access::kAuthenticated;
  // Every handler reads or writes the database: on the blocking pool (a named function object
  // each: GCC 12 mishandles temporaries made inside a co_await expression).

  // Literal paths first: the router takes the first pattern that matches.
  router.add(
      Verb::get, "/api/v1/alerts/rules",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        auto work = [&] { return items_json(service.rules(caller)); };
        co_return http::ok(co_await blocking.run(std::move(work)));
      },
      http::needs(kAuthenticated));
  router.add(
      Verb::post, "/api/v1/alerts/rules",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        const auto body = json::parse_object(c.request.body());
        auto work = [&] { return rule_json(service.create_rule(caller, body)); };
        co_return http::created(co_await blocking.run(std::move(work)));
      },
      http::needs(kAuthenticated).audited("alerts.rules.create"));
  router.add(
      Verb::get, "/api/v1/alerts/rules/{rule}",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        const auto id = c.param("rule");
        auto work = [&] { return bj::serialize(to_json(service.rule(caller, id))); };
        co_return http::ok(co_await blocking.run(std::move(work)));
      },
      http::needs(kAuthenticated));
  router.add(
      Verb::patch, "/api/v1/alerts/rules/{rule}",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        const auto id = c.param("rule");
        const auto body = json::parse_object(c.request.body());
        auto work = [&] { return rule_json(service.update_rule(caller, id, body)); };
        co_return http::ok(co_await blocking.run(std::move(work)));
      },
      http::needs(kAuthenticated).audited("alerts.rules.update"));
  router.add(
      Verb::delete_, "/api/v1/alerts/rules/{rule}",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        const auto id = c.param("rule");
        auto work = [&] { service.delete_rule(caller, id); };
        co_await blocking.run(std::move(work));
        co_return http::no_content();
      },
      http::needs(kAuthenticated).audited("alerts.rules.delete"));

  router.add(
      Verb::get, "/api/v1/alerts/silences",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        auto work = [&] { return items_json(service.silences(caller)); };
        co_return http::ok(co_await blocking.run(std::move(work)));
      },
      http::needs(kAuthenticated));
  router.add(
      Verb::post, "/api/v1/alerts/silences",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        const auto body = json::parse_object(c.request.body());
        auto work = [&] { return bj::serialize(to_json(service.create_silence(caller, body))); };
        co_return http::created(co_await blocking.run(std::move(work)));
      },
      http::needs(kAuthenticated).audited("alerts.silences.create"));
  router.add(
      Verb::delete_, "/api/v1/alerts/silences/{silence}",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        const auto id = c.param("silence");
        auto work = [&] { service.delete_silence(caller, id); };
        co_await blocking.run(std::move(work));
        co_return http::no_content();
      },
      http::needs(kAuthenticated).audited("alerts.silences.delete"));

  router.add(
      Verb::get, "/api/v1/alerts/stream",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        if (!c.is_websocket_upgrade()) {
          throw Error(ErrorKind::upgrade_required, "websocket_required",
                      "This is a WebSocket endpoint.");
        }
        co_return firing_stream(service, blocking, c.caller());
      },
      http::needs(kAuthenticated));
  router.add(
      Verb::get, "/api/v1/alerts",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        const auto state = state_of(c.query);
        const auto limit = static_cast<std::size_t>(c.query.integer("limit", 100, 1, 500));
        const auto before = c.query.integer("before_ms", 0, 0, 253402300799000LL);
        auto work = [&] { return items_json(service.alerts(caller, state, before, limit)); };
        co_return http::ok(co_await blocking.run(std::move(work)));
      },
      http::needs(kAuthenticated));
  router.add(
      Verb::get, "/api/v1/alerts/{alert}",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        const auto id = c.param("alert");
        auto work = [&] { return bj::serialize(to_json(service.alert(caller, id))); };
        co_return http::ok(co_await blocking.run(std::move(work)));
      },
      http::needs(kAuthenticated));
  router.add(
      Verb::get, "/api/v1/alerts/{alert}/deliveries",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        const auto id = c.param("alert");
        auto work = [&] { return items_json(service.deliveries(caller, id)); };
        co_return http::ok(co_await blocking.run(std::move(work)));
      },
      http::needs(kAuthenticated));
  router.add(
      Verb::post, "/api/v1/alerts/{alert}/ack",
      [&service, &blocking](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto caller = c.caller();
        const auto id = c.param("alert");
        auto work = [&] { return bj::serialize(to_json(service.acknowledge(caller, id))); };
        co_return http::ok(co_await blocking.run(std::move(work)));
      },
      http::needs(kAuthenticated).audited("alerts.acknowledge"));
}

}  // namespace dokkerr::monitoring
