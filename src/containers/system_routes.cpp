#include "containers/tenancy_service.hpp"
#include "http/responses.hpp"
#include "containers/network_service.hpp"
#include "containers/routes.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"

#include <boost/json/serialize.hpp>

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

void add_system_routes(http::Router& router, SystemService& service, TenancyService& tenancy) {
  router.add(Verb::get, path("/system/info"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.info(c.param("env")));
  }, on_environment(perm::system_read));
  router.add(Verb::get, path("/system/version"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.version(c.param("env")));
  }, on_environment(perm::system_read));
  // Disk usage lists every tenant's containers, images and volumes: platform admins only.
  router.add(Verb::get, path("/system/df"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.disk_usage(c.param("env")));
  }, on_environment(perm::environments_manage));
  router.add(Verb::get, path("/events"), [&service, &tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    if (!c.is_websocket_upgrade()) {
      throw Error(ErrorKind::upgrade_required, "websocket_required", "Events are served over WebSocket.");
    }
    auto filters = c.query.get("filters");
    auto types = c.query.all("type");
    if (const auto teams = tenancy.visible_teams(c.caller(), c.param("env"), perm::events_read)) {
      // Non-admins see the events of their team's containers only: the engine ANDs label
      // filters, and only objects carrying our team label match this one.
      const auto team = tenancy.creation_team(c.caller(), c.param("env"), c.query.get("team"),
                                             perm::events_read);
      auto merged = filters ? json::parse_object(*filters) : boost::json::object{};
      auto& labels = merged["label"];
      if (!labels.is_array()) labels = boost::json::array{};
      labels.as_array().emplace_back(std::string(kTeamLabel) + "=" + team);
      filters = boost::json::serialize(merged);
    }
    co_return co_await service.events_socket(c.param("env"), std::move(filters), std::move(types),
                                             c.query.all("event"), c.query.get("since"));
  }, on_environment(perm::events_read));
}

}  // namespace dokkerr::containers
