#include "containers/container_json.hpp"
#include "containers/routes.hpp"
#include "containers/swarm_service.hpp"
#include "core/error.hpp"
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
  return "/api/v1/environments/{env}" + std::string(suffix);
}

asio::awaitable<Reply> swarm_status(SwarmService& service, RequestContext& c) {
  const auto status = co_await service.status(c.param("env"));
  co_return http::ok(boost::json::serialize(status));
}

asio::awaitable<Reply> list_services(SwarmService& service, RequestContext& c) {
  auto services = co_await service.list_services(c.caller(), c.param("env"));
  co_return http::ok(http::list_body(std::move(services)));
}

asio::awaitable<Reply> inspect_service(SwarmService& service, RequestContext& c) {
  const auto found = co_await service.inspect_service(c.caller(), c.param("env"), c.param("id"));
  co_return http::ok(boost::json::serialize(found));
}

asio::awaitable<Reply> create_service(SwarmService& service, RequestContext& c) {
  const auto created = co_await service.create_service(c.caller(), c.param("env"),
                                                       c.query.get("team"), c.request.body());
  co_return http::created(boost::json::serialize(created));
}

asio::awaitable<Reply> update_service(SwarmService& service, RequestContext& c) {
  const auto updated =
      co_await service.update_service(c.caller(), c.param("env"), c.param("id"), c.request.body());
  co_return http::ok(boost::json::serialize(updated));
}

asio::awaitable<Reply> scale_service(SwarmService& service, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"replicas"});
  const auto replicas = json::optional_int(body, "replicas");
  if (!replicas) throw Error::invalid("invalid_body", "Field 'replicas' is required.");
  const auto scaled =
      co_await service.scale_service(c.caller(), c.param("env"), c.param("id"), *replicas);
  co_return http::ok(boost::json::serialize(scaled));
}

asio::awaitable<Reply> rollback_service(SwarmService& service, RequestContext& c) {
  const auto rolled = co_await service.rollback_service(c.caller(), c.param("env"), c.param("id"));
  co_return http::ok(boost::json::serialize(rolled));
}

asio::awaitable<Reply> delete_service(SwarmService& service, RequestContext& c) {
  co_await service.remove_service(c.caller(), c.param("env"), c.param("id"));
  co_return http::no_content();
}

asio::awaitable<Reply> service_tasks(SwarmService& service, RequestContext& c) {
  auto tasks = co_await service.tasks(c.caller(), c.param("env"), c.param("id"));
  co_return http::ok(http::list_body(std::move(tasks)));
}

asio::awaitable<Reply> service_logs(SwarmService& service, RequestContext& c) {
  const auto logs = co_await service.logs(c.caller(), c.param("env"), c.param("id"),
                                          log_options_from(c.query));
  co_return http::ok(boost::json::serialize(to_json(logs)));
}

asio::awaitable<Reply> list_nodes(SwarmService& service, RequestContext& c) {
  auto nodes = co_await service.nodes(c.param("env"));
  co_return http::ok(http::list_body(std::move(nodes)));
}

asio::awaitable<Reply> node_availability(SwarmService& service, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"availability"});
  auto availability = json::required_string(body, "availability");
  const auto node = co_await service.set_node_availability(c.param("env"), c.param("id"),
                                                           std::move(availability));
  co_return http::ok(boost::json::serialize(node));
}

asio::awaitable<Reply> list_stacks(SwarmService& service, RequestContext& c) {
  auto stacks = co_await service.list_stacks(c.caller(), c.param("env"));
  co_return http::ok(http::list_body(std::move(stacks)));
}

asio::awaitable<Reply> delete_stack(SwarmService& service, RequestContext& c) {
  co_await service.remove_stack(c.caller(), c.param("env"), c.param("name"));
  co_return http::no_content();
}

template <SwarmObjectKind kind>
asio::awaitable<Reply> list_objects(SwarmService& service, RequestContext& c) {
  auto objects = co_await service.list_objects(c.caller(), c.param("env"), kind);
  co_return http::ok(http::list_body(std::move(objects)));
}

template <SwarmObjectKind kind>
asio::awaitable<Reply> create_object(SwarmService& service, RequestContext& c) {
  const auto created = co_await service.create_object(c.caller(), c.param("env"), kind,
                                                      c.query.get("team"), c.request.body());
  co_return http::created(boost::json::serialize(created));
}

template <SwarmObjectKind kind>
asio::awaitable<Reply> delete_object(SwarmService& service, RequestContext& c) {
  co_await service.remove_object(c.caller(), c.param("env"), kind, c.param("id"));
  co_return http::no_content();
}

}  // namespace

void add_swarm_routes(http::Router& router, SwarmService& service) {
  using enum SwarmObjectKind;
  // clang-format off
  // GET
  router.add(Verb::get, path("/swarm"), with(service, swarm_status), on_environment(perm::environments_read));
  router.add(Verb::get, path("/swarm/nodes"), with(service, list_nodes), on_environment(perm::environments_read));
  router.add(Verb::get, path("/swarm/stacks"), with(service, list_stacks), on_environment(perm::containers_read));
  router.add(Verb::get, path("/services"), with(service, list_services), on_environment(perm::containers_read));
  router.add(Verb::get, path("/services/{id}"), with(service, inspect_service), on_environment(perm::containers_read));
  router.add(Verb::get, path("/services/{id}/tasks"), with(service, service_tasks), on_environment(perm::containers_read));
  router.add(Verb::get, path("/services/{id}/logs"), with(service, service_logs), on_environment(perm::containers_logs));
  router.add(Verb::get, path("/secrets"), with(service, list_objects<secret>), on_environment(perm::containers_read));
  router.add(Verb::get, path("/configs"), with(service, list_objects<config>), on_environment(perm::containers_read));

  // POST
  router.add(Verb::post, path("/services"), with(service, create_service), on_environment(perm::containers_create).audited("services.create").takes_idempotency_key());
  router.add(Verb::post, path("/services/{id}/scale"), with(service, scale_service), on_environment(perm::containers_update).audited("services.scale"));
  router.add(Verb::post, path("/services/{id}/rollback"), with(service, rollback_service), on_environment(perm::containers_update).audited("services.rollback"));
  router.add(Verb::post, path("/secrets"), with(service, create_object<secret>), on_environment(perm::containers_create).audited("secrets.create"));
  router.add(Verb::post, path("/configs"), with(service, create_object<config>), on_environment(perm::containers_create).audited("configs.create"));

  // PUT
  router.add(Verb::put, path("/services/{id}"), with(service, update_service), on_environment(perm::containers_update).audited("services.update"));
  router.add(Verb::put, path("/swarm/nodes/{id}/availability"), with(service, node_availability), on_environment(perm::environments_manage).audited("nodes.availability.put"));

  // DELETE
  router.add(Verb::delete_, path("/services/{id}"), with(service, delete_service), on_environment(perm::containers_delete).audited("services.delete"));
  router.add(Verb::delete_, path("/swarm/stacks/{name}"), with(service, delete_stack), on_environment(perm::containers_delete).audited("swarm_stacks.delete"));
  router.add(Verb::delete_, path("/secrets/{id}"), with(service, delete_object<secret>), on_environment(perm::containers_delete).audited("secrets.delete"));
  router.add(Verb::delete_, path("/configs/{id}"), with(service, delete_object<config>), on_environment(perm::containers_delete).audited("configs.delete"));
  // clang-format on
}

}  // namespace dokkerr::containers
