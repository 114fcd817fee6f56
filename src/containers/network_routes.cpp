#include "containers/filters_json.hpp"
#include "containers/network_json.hpp"
#include "containers/network_service.hpp"
#include "containers/routes.hpp"
#include "core/json.hpp"
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
  return "/api/v1/environments/{env}/networks" + std::string(suffix);
}

asio::awaitable<Reply> list_networks(NetworkService& service, RequestContext& c) {
  auto filters = engine_filters_from(c.query);
  auto networks = co_await service.list(c.caller(), c.param("env"), std::move(filters));
  co_return http::ok(http::list_body(std::move(networks)));
}

asio::awaitable<Reply> inspect_network(NetworkService& service, RequestContext& c) {
  const auto network = co_await service.inspect(c.caller(), c.param("env"), c.param("id"));
  co_return http::ok(boost::json::serialize(network));
}

asio::awaitable<Reply> create_network(NetworkService& service, RequestContext& c) {
  NetworkCreate request{c.query.get("team"), c.request.body()};
  const auto created = co_await service.create(c.caller(), c.param("env"), std::move(request));
  co_return http::created(boost::json::serialize(created));
}

asio::awaitable<Reply> connect_container(NetworkService& service, RequestContext& c) {
  auto change = endpoint_change_from(json::parse_object(c.request.body()), false);
  co_await service.connect(c.caller(), c.param("env"), c.param("id"), std::move(change));
  co_return http::no_content();
}

asio::awaitable<Reply> disconnect_container(NetworkService& service, RequestContext& c) {
  auto change = endpoint_change_from(json::parse_object(c.request.body()), true);
  co_await service.disconnect(c.caller(), c.param("env"), c.param("id"), std::move(change));
  co_return http::no_content();
}

asio::awaitable<Reply> prune_networks(NetworkService& service, RequestContext& c) {
  auto filters = engine_filters_from(c.query);
  const auto report = co_await service.prune(c.param("env"), std::move(filters));
  co_return http::ok(boost::json::serialize(report));
}

asio::awaitable<Reply> delete_network(NetworkService& service, RequestContext& c) {
  co_await service.remove(c.caller(), c.param("env"), c.param("id"));
  co_return http::no_content();
}

}  // namespace

void add_network_routes(http::Router& router, NetworkService& service, TenancyService& tenancy) {
  // clang-format off
  // GET
  router.add(Verb::get, path(""), with(service, list_networks), on_environment(perm::networks_read));
  router.add(Verb::get, path("/{id}"), with(service, inspect_network), on_environment(perm::networks_read));

  // POST
  router.add(Verb::post, path(""), with(service, create_network), on_environment(perm::networks_create).audited("networks.create").takes_idempotency_key());
  router.add(Verb::post, path("/{id}/connect"), with(service, connect_container), on_environment(perm::networks_create).audited("networks.connect"));
  router.add(Verb::post, path("/{id}/disconnect"), with(service, disconnect_container), on_environment(perm::networks_create).audited("networks.disconnect"));
  router.add(Verb::post, path("/prune"), with(service, prune_networks), on_environment(perm::system_prune).audited("networks.prune.create"));

  // PUT
  router.add(Verb::put, path("/{id}/owner"), assign_owner(tenancy, ResourceKind::network, "id"), on_environment(perm::resources_assign).audited("networks.owner.put"));

  // DELETE
  router.add(Verb::delete_, path("/{id}"), with(service, delete_network), on_environment(perm::networks_delete).audited("networks.delete"));
  // clang-format on
}

}  // namespace dokkerr::containers
