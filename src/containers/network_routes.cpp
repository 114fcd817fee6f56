#include "containers/network_service.hpp"
#include "http/responses.hpp"
#include "containers/tenancy_service.hpp"
#include "containers/routes.hpp"
#include "core/error.hpp"
#include "core/permissions.hpp"
#include "policy/policy.hpp"

#include <boost/json/serialize.hpp>
#include "core/json.hpp"

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using http::RequestContext;
using http::Reply;
using http::Verb;

std::string path(std::string_view suffix) {
  return "/api/v1/environments/{env}/networks" + std::string(suffix);
}

}  // namespace

void add_network_routes(http::Router& router, NetworkService& service, TenancyService& tenancy) {
  auto owned = [&tenancy](RequestContext& c, std::string_view permission) {
    return tenancy.resolve(c.caller(), c.param("env"), ResourceKind::network, c.param("id"), permission);
  };
  // Connecting joins a container to a network: both must be the caller's. The engine matches
  // the body's keys case-insensitively, so only the exact field names pass: another spelling of
  // Container would name a container other than the one checked here.
  auto connect = [&service, &tenancy, owned](bool disconnect) {
    return [&service, &tenancy, owned, disconnect](RequestContext& c) -> asio::awaitable<Reply> {
      auto body = json::parse_object(c.request.body());
      for (const auto& field : body) {
        const std::string_view key = field.key();
        if (key != "Container" && key != (disconnect ? "Force" : "EndpointConfig")) {
          const std::string_view fields =
              disconnect ? "Container, Force." : "Container, EndpointConfig.";
          throw Error::invalid("unknown_field", "Field '" + std::string(key) +
                                                    "' is not one of " + std::string(fields));
        }
      }
      const auto network = co_await owned(c, perm::networks_create);
      if (!c.caller().is_admin) {
        const auto container = json::required_string(body, "Container");
        const auto target = co_await tenancy.resolve(c.caller(), c.param("env"), ResourceKind::container,
                                                    container, perm::containers_update);
        body["Container"] = target.id;
      }
      co_await service.connect(c.param("env"), network.id, std::move(body), disconnect);
      co_return http::no_content();
    };
  };

  // GET
  router.add(Verb::get, path(""), [&service, &tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    auto document = co_await service.list(c.param("env"), c.query.get("filters"));
    auto parsed = json::parse_object(document);
    auto items = std::move(parsed["items"].as_array());
    parsed["items"] = co_await tenancy.filter(
        c.param("env"), ResourceKind::network, std::move(items),
        tenancy.visible_teams(c.caller(), c.param("env"), perm::networks_read));
    co_return http::ok(boost::json::serialize(parsed));
  }, on_environment(perm::networks_read));
  router.add(Verb::get, path("/{id}"), [&service, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::networks_read);
    co_return http::ok(co_await service.inspect(c.param("env"), target.id));
  }, on_environment(perm::networks_read));

  // POST
  router.add(Verb::post, path(""), [&service, &tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    const auto& caller = c.caller();
    const auto env = c.param("env");
    const auto team = tenancy.creation_team(caller, env, c.query.get("team"), perm::networks_create);
    policy::Policy rules;
    if (!team.empty()) rules = co_await tenancy.policy_of(team);
    const auto body = policy::check_network_create(c.request.body(), rules, caller.is_admin, team);
    auto created = co_await service.create(env, json::parse_object(body));
    if (!team.empty()) {
      const auto id = json::parse_object(created).at("Id").as_string();
      co_await tenancy.record_owner(env, ResourceKind::network, std::string(id), team);
    }
    co_return http::created(std::move(created));
  }, on_environment(perm::networks_create).audited("networks.create"));
  router.add(Verb::post, path("/{id}/connect"), connect(false), on_environment(perm::networks_create).audited("networks.connect"));
  router.add(Verb::post, path("/{id}/disconnect"), connect(true), on_environment(perm::networks_create).audited("networks.disconnect"));
  router.add(Verb::post, path("/prune"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.prune(c.param("env"), c.query.get("filters")));
  }, on_environment(perm::system_prune).audited("networks.prune.create"));

  router.add(Verb::put, path("/{id}/owner"), [&tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    const auto body = json::parse_object(c.request.body());
    const auto team = json::required_string(body, "team_id");
    const auto assigned = co_await tenancy.assign(c.param("env"), ResourceKind::network, c.param("id"), team);
    boost::json::object answer{{"id", assigned.id}, {"team_id", assigned.team_id}};
    co_return http::ok(boost::json::serialize(answer));
  }, on_environment(perm::resources_assign).audited("networks.owner.put"));

  // DELETE
  router.add(Verb::delete_, path("/{id}"), [&service, &tenancy, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::networks_delete);
    co_await service.remove(c.param("env"), target.id);
    co_await tenancy.forget(c.param("env"), ResourceKind::network, target.id);
    co_return http::no_content();
  }, on_environment(perm::networks_delete).audited("networks.delete"));
}

}  // namespace dokkerr::containers
