#include "containers/network_service.hpp"
#include "containers/routes.hpp"

#include "core/error.hpp"

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using http::RequestContext;
using http::Reply;
using http::Verb;

std::string path(std::string_view suffix) {
  return "/api/v1/environments/{env}" + std::string(suffix);
}

}  // namespace

void add_system_routes(http::Router& router, SystemService& service) {
  router.add(Verb::get, path("/system/info"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.info(c.param("env")));
  });
  router.add(Verb::get, path("/system/version"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.version(c.param("env")));
  });
  router.add(Verb::get, path("/system/df"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.disk_usage(c.param("env")));
  });
  router.add(Verb::get, path("/events"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    if (!c.is_websocket_upgrade()) {
      throw Error(ErrorKind::upgrade_required, "websocket_required", "Events are served over WebSocket.");
    }
    co_return co_await service.events_socket(c.param("env"), c.query.get("filters"), c.query.all("type"),
                                             c.query.all("event"), c.query.get("since"));
  });
}

http::Response ok_json(std::string body) { return http::json_response(http::Status::ok, std::move(body)); }
http::Response created_json(std::string body) {
  return http::json_response(http::Status::created, std::move(body));
}
http::Response no_content() { return http::empty_response(http::Status::no_content); }

}  // namespace dokkerr::containers
