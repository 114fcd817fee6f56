#include "containers/network_service.hpp"
#include "http/responses.hpp"
#include "containers/tenancy_service.hpp"
#include "containers/routes.hpp"
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
  return "/api/v1/environments/{env}/volumes" + std::string(suffix);
}

}  // namespace

void add_volume_routes(http::Router& router, VolumeService& service, TenancyService& tenancy) {
  auto owned = [&tenancy](RequestContext& c, std::string_view permission) {
    return tenancy.resolve(c.caller(), c.param("env"), ResourceKind::volume, c.param("name"), permission);
  };

  // GET
  router.add(Verb::get, path(""), [&service, &tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    auto document = co_await service.list(c.param("env"), c.query.get("filters"));
    auto parsed = json::parse_object(document);
    auto items = std::move(parsed["items"].as_array());
    parsed["items"] = co_await tenancy.filter(
        c.param("env"), ResourceKind::volume, std::move(items),
        tenancy.visible_teams(c.caller(), c.param("env"), perm::volumes_read));
    co_return http::ok(boost::json::serialize(parsed));
  }, on_environment(perm::volumes_read));
  router.add(Verb::get, path("/{name}"), [&service, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::volumes_read);
    co_return http::ok(co_await service.inspect(c.param("env"), target.id));
  }, on_environment(perm::volumes_read));

  // POST
  router.add(Verb::post, path(""), [&service, &tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    const auto& caller = c.caller();
    const auto env = c.param("env");
    const auto team = tenancy.creation_team(caller, env, c.query.get("team"), perm::volumes_create);
    policy::Policy rules;
    if (!team.empty()) rules = co_await tenancy.policy_of(team);
    const auto raw = c.request.body().empty() ? std::string("{}") : c.request.body();
    const auto body = policy::check_volume_create(raw, rules, caller.is_admin, team);
    auto created = co_await service.create(env, json::parse_object(body, true));
    if (!team.empty()) {
      const auto name = json::parse_object(created).at("Name").as_string();
      co_await tenancy.record_owner(env, ResourceKind::volume, std::string(name), team);
    }
    co_return http::created(std::move(created));
  }, on_environment(perm::volumes_create).audited("volumes.create"));
  router.add(Verb::post, path("/prune"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.prune(c.param("env"), c.query.get("filters")));
  }, on_environment(perm::system_prune).audited("volumes.prune.create"));

  router.add(Verb::put, path("/{name}/owner"), [&tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    const auto body = json::parse_object(c.request.body());
    const auto team = json::required_string(body, "team_id");
    const auto assigned = co_await tenancy.assign(c.param("env"), ResourceKind::volume, c.param("name"), team);
    boost::json::object answer{{"id", assigned.id}, {"team_id", assigned.team_id}};
    co_return http::ok(boost::json::serialize(answer));
  }, on_environment(perm::resources_assign).audited("volumes.owner.put"));

  // DELETE
  router.add(Verb::delete_, path("/{name}"), [&service, &tenancy, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::volumes_delete);
    co_await service.remove(c.param("env"), target.id, c.query.flag("force"));
    co_await tenancy.forget(c.param("env"), ResourceKind::volume, target.id);
    co_return http::no_content();
  }, on_environment(perm::volumes_delete).audited("volumes.delete"));
}

}  // namespace dokkerr::containers
