#include "app/process_routes.hpp"

#include "cache/redis_client.hpp"
#include "containers/environment_service.hpp"
#include "core/blocking_pool.hpp"
#include "core/permissions.hpp"
#include "http/openapi.hpp"
#include "http/responses.hpp"
#include "store/database.hpp"
#include "store/lease.hpp"

#include <boost/beast/http/verb.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <mutex>
#include <string>

namespace dokkerr::app {
namespace {

namespace asio = boost::asio;
using http::Reply;
using http::RequestContext;
using http::Verb;

using http::needs;

constexpr std::string_view kApiVersion = "0.1.0";

}  // namespace

void add_process_routes(http::Router& router, const ProcessRouteServices& services) {
  auto& database = services.database;
  auto& blocking = services.blocking;
  auto& environments = services.environments;
  const auto* redis = services.redis;
  router.add(
      Verb::get, "/healthz",
      [](RequestContext&) -> asio::awaitable<Reply> {
        co_return http::json_response(http::Status::ok, R"({"status":"ok"})");
      },
      needs(http::access::kPublic).limited_as(http::RateClass::unlimited));
  router.add(
      Verb::get, "/readyz",
      [&database, &blocking, &environments, redis](RequestContext&) -> asio::awaitable<Reply> {
        bool ready = true;
        boost::json::object checks;
        bool database_up = false;
        try {
          auto ping = [&database] { return database.ping(); };
          database_up = co_await blocking.run(std::move(ping));
        } catch (const std::exception&) {
          database_up = false;
        }
        ready = ready && database_up;
        checks["database"] = database_up
                                 ? boost::json::object{{"status", "up"}}
                                 : boost::json::object{{"status", "down"},
                                                       {"error", "the database does not answer"}};
        boost::json::object engines;
        for (const auto& [id, state] : environments.states()) {
          if (state.status == containers::EngineStatus::up) {
            engines[id] = boost::json::object{{"status", "up"}};
          } else {
            ready = false;
            engines[id] = boost::json::object{
                {"status", "down"},
                {"error", state.error.empty() ? std::string("connecting") : state.error}};
          }
        }
        checks["environments"] = std::move(engines);
        bool degraded = false;
        if (redis != nullptr) {
          degraded = !redis->connected();
          checks["redis"] =
              degraded ? boost::json::object{{"status", "down"}, {"error", redis->last_error()}}
                       : boost::json::object{{"status", "up"}};
        }
        boost::json::object document{{"status", !ready     ? "not_ready"
                                                : degraded ? "degraded"
                                                           : "ready"},
                                     {"checks", std::move(checks)}};
        co_return http::json_response(ready ? http::Status::ok : http::Status::service_unavailable,
                                      boost::json::serialize(document));
      },
      needs(http::access::kPublic).limited_as(http::RateClass::unlimited));
  // The route table with each route's access rule, so clients (and the test that checks that
  // no route is left unguarded) can see what every route requires.
  router.add(
      Verb::get, "/api/v1/routes",
      [&router](RequestContext&) -> asio::awaitable<Reply> {
        boost::json::array routes;
        for (const auto& route : router.routes()) {
          const auto& options = route.options;
          routes.push_back(boost::json::object{
              {"method", std::string(boost::beast::http::to_string(route.verb))},
              {"pattern", route.pattern},
              {"permission", options.permission},
              {"audit_action", options.audit_action.empty()
                                   ? boost::json::value(nullptr)
                                   : boost::json::value(options.audit_action)},
              {"environment_param", options.environment_param.empty()
                                        ? boost::json::value(nullptr)
                                        : boost::json::value(options.environment_param)},
              {"allowed_before_mfa_enrolment", options.allowed_before_mfa_enrolment}});
        }
        co_return http::ok(http::list_body(std::move(routes)));
      },
      needs(http::access::kAuthenticated));
  router.add(
      Verb::get, "/api/v1/system/leases",
      [&database, &blocking,
       node_id = services.node_id](RequestContext&) -> asio::awaitable<Reply> {
        auto list = [&database] { return store::LeaseTable(database).list(); };
        const auto records = co_await blocking.run(std::move(list));
        boost::json::array leases;
        for (const auto& record : records) {
          leases.push_back(boost::json::object{{"name", record.name},
                                               {"holder", record.holder},
                                               {"expires_in_ms", record.expires_in_ms}});
        }
        co_return http::ok(boost::json::serialize(
            boost::json::object{{"node", node_id}, {"items", std::move(leases)}}));
      },
      needs(perm::environments_manage));
  router.add(
      Verb::get, "/api/v1/system/health",
      [&database, &blocking, &environments, redis, node_id = services.node_id,
       started = services.started,
       monitoring = services.monitoring_report](RequestContext&) -> asio::awaitable<Reply> {
        boost::json::object checks;
        bool database_up = false;
        const auto ping_started = std::chrono::steady_clock::now();
        try {
          auto ping = [&database] { return database.ping(); };
          database_up = co_await blocking.run(std::move(ping));
        } catch (const std::exception&) {
          database_up = false;
        }
        const auto ping_ms = std::chrono::duration<double, std::milli>(
                                 std::chrono::steady_clock::now() - ping_started)
                                 .count();
        checks["database"] = boost::json::object{{"status", database_up ? "up" : "down"},
                                                 {"backend", database.backend()},
                                                 {"latency_ms", ping_ms}};
        bool degraded = false;
        boost::json::object engines;
        for (const auto& [id, state] : environments.states()) {
          boost::json::object engine{
              {"status", state.status == containers::EngineStatus::up ? "up" : "down"}};
          if (state.status == containers::EngineStatus::up) {
            try {
              const auto counts = environments.engine(id)->model().counts();
              engine["containers"] = boost::json::object{{"total", counts.total},
                                                         {"running", counts.running},
                                                         {"paused", counts.paused},
                                                         {"stopped", counts.stopped}};
            } catch (const std::exception&) {
              // Removed meanwhile.
            }
          } else {
            degraded = true;
            engine["error"] = state.error.empty() ? std::string("connecting") : state.error;
          }
          engines[id] = std::move(engine);
        }
        checks["environments"] = std::move(engines);
        if (redis != nullptr) {
          const bool up = redis->connected();
          degraded = degraded || !up;
          checks["redis"] = up ? boost::json::object{{"status", "up"}}
                               : boost::json::object{{"status", "down"},
                                                     {"error", redis->last_error()}};
        }
        const auto now = std::chrono::system_clock::now();
        boost::json::object document{
            {"status", !database_up ? "down" : degraded ? "degraded" : "ok"},
            {"node", node_id},
            {"version", kApiVersion},
            {"uptime_seconds",
             std::chrono::duration_cast<std::chrono::seconds>(now - started).count()},
            {"checks", std::move(checks)}};
        if (monitoring) {
          try {
            auto report = monitoring;
            document["monitoring"] = co_await blocking.run(std::move(report));
          } catch (const std::exception& error) {
            document["monitoring"] = boost::json::object{{"error", error.what()}};
          }
        }
        co_return http::ok(boost::json::serialize(document));
      },
      needs(perm::environments_manage));
  // The description of every route, built on first request (the table is complete by then).
  struct OpenApiCache {
    std::once_flag once;
    std::string body;
  };
  auto openapi = std::make_shared<OpenApiCache>();
  router.add(
      Verb::get, "/api/v1/openapi.json",
      [&router, openapi](RequestContext&) -> asio::awaitable<Reply> {
        std::call_once(openapi->once, [&] {
          openapi->body = boost::json::serialize(http::openapi_document(
              router, http::ApiInfo{.title = "Dokkerr API",
                                    .version = std::string(kApiVersion),
                                    .description = "Docker container management for many "
                                                   "tenants; errors are RFC 9457 problem details "
                                                   "with a stable `code`."}));
        });
        co_return http::json_response(http::Status::ok, openapi->body);
      },
      needs(http::access::kPublic).limited_as(http::RateClass::read));
  router.add(
      Verb::get, "/api/v1/version",
      [](RequestContext&) -> asio::awaitable<Reply> {
        co_return http::json_response(http::Status::ok, R"({"name":"dokkerr","version":")" +
                                                            std::string(kApiVersion) +
                                                            R"(","api_versions":["v1"]})");
      },
      needs(http::access::kAuthenticated));
}

}  // namespace dokkerr::app
