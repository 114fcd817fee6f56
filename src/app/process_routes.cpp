#include "app/process_routes.hpp"

#include "containers/environment_service.hpp"
#include "core/blocking_pool.hpp"
#include "http/problem.hpp"
#include "store/database.hpp"

#include <boost/beast/http/verb.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::app {
namespace {

namespace asio = boost::asio;
using http::RequestContext;
using http::Reply;
using http::Verb;

http::RouteOptions needs(std::string_view permission) {
  return http::RouteOptions{std::string(permission), std::nullopt};
}

}  // namespace

void add_process_routes(http::Router& router, store::Database& database, BlockingPool& blocking,
                        containers::EnvironmentService& environments) {
  router.add(Verb::get, "/healthz", [](RequestContext&) -> asio::awaitable<Reply> {
    co_return http::json_response(http::Status::ok, R"({"status":"ok"})");
  }, needs(http::access::kPublic));
  router.add(Verb::get, "/readyz", [&](RequestContext&) -> asio::awaitable<Reply> {
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
                             : boost::json::object{{"status", "down"}, {"error", "the database does not answer"}};
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
    boost::json::object document{{"status", ready ? "ready" : "not_ready"},
                                 {"checks", std::move(checks)}};
    co_return http::json_response(ready ? http::Status::ok : http::Status::service_unavailable,
                                  boost::json::serialize(document));
  }, needs(http::access::kPublic));
  // The route table with each route's access rule, so clients (and the test that checks that
  // no route is left unguarded) can see what every route requires.
  router.add(Verb::get, "/api/v1/routes", [&router](RequestContext&) -> asio::awaitable<Reply> {
    boost::json::array routes;
    for (const auto& route : router.routes()) {
      routes.push_back(boost::json::object{{"method", std::string(boost::beast::http::to_string(route.verb))},
                                           {"pattern", route.pattern},
                                           {"permission", route.options.permission}});
    }
    boost::json::object document{{"items", std::move(routes)}, {"next_cursor", nullptr}};
    co_return http::json_response(http::Status::ok, boost::json::serialize(document));
  }, needs(http::access::kAuthenticated));
  router.add(Verb::get, "/api/v1/version", [](RequestContext&) -> asio::awaitable<Reply> {
    co_return http::json_response(
        http::Status::ok, R"({"name":"dokkerr","version":"0.1.0","api_versions":["v1"]})");
  }, needs(http::access::kAuthenticated));
}

}  // namespace dokkerr::app
