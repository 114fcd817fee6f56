#include "containers/relay.hpp"
#include "containers/routes.hpp"
#include "containers/system_json.hpp"
#include "containers/system_service.hpp"
#include "core/error.hpp"
#include "core/permissions.hpp"
#include "http/responses.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using http::Reply;
using http::RequestContext;
using http::Verb;

std::string path(std::string_view suffix) {
  return "/api/v1/environments/{env}" + std::string(suffix);
}

asio::awaitable<Reply> system_info(SystemService& service, RequestContext& c) {
  const auto info = co_await service.info(c.caller(), c.param("env"));
  co_return http::ok(boost::json::serialize(info));
}

asio::awaitable<Reply> system_version(SystemService& service, RequestContext& c) {
  const auto version = co_await service.version(c.param("env"));
  co_return http::ok(boost::json::serialize(version));
}

asio::awaitable<Reply> disk_usage(SystemService& service, RequestContext& c) {
  const auto usage = co_await service.disk_usage(c.param("env"));
  co_return http::ok(boost::json::serialize(usage));
}

asio::awaitable<Reply> watch_events(SystemService& service, RequestContext& c) {
  if (!c.is_websocket_upgrade()) {
    throw Error(ErrorKind::upgrade_required, "websocket_required",
                "Events are served over WebSocket.");
  }
  auto query = events_query_from(c.query);
  auto events = co_await service.events(c.caller(), c.param("env"), std::move(query));
  co_return ndjson_socket_reply(std::move(events));
}

}  // namespace

void add_system_routes(http::Router& router, SystemService& service) {
  // clang-format off
  // GET
  router.add(Verb::get, path("/system/info"), with(service, system_info), on_environment(perm::system_read));
  router.add(Verb::get, path("/system/version"), with(service, system_version), on_environment(perm::system_read));
  // Disk usage lists every tenant's containers, images and volumes: platform admins only.
  router.add(Verb::get, path("/system/df"), with(service, disk_usage), on_environment(perm::environments_manage));
  router.add(Verb::get, path("/events"), with(service, watch_events), on_environment(perm::events_read));
  // clang-format on
}

}  // namespace dokkerr::containers
