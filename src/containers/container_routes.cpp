#include "containers/container_json.hpp"
#include "containers/container_service.hpp"
#include "containers/image_service.hpp"
#include "containers/relay.hpp"
#include "containers/routes.hpp"
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
  return "/api/v1/environments/{env}/containers" + std::string(suffix);
}

asio::awaitable<Reply> list_containers(ContainerService& service, RequestContext& c) {
  const auto limit = static_cast<std::size_t>(c.query.integer("limit", 1000, 1, 1000));
  auto filter = container_filter_from(c.query);
  auto cursor = c.query.get("cursor").value_or("");
  const auto page = co_await service.list(c.caller(), c.param("env"), std::move(filter), limit,
                                          std::move(cursor));
  co_return http::ok(http::list_body(page.items, page.next_cursor));
}

asio::awaitable<Reply> inspect_container(ContainerService& service, RequestContext& c) {
  const auto container = co_await service.inspect(c.caller(), c.param("env"), c.param("id"));
  co_return http::ok(boost::json::serialize(container));
}

asio::awaitable<Reply> container_logs(ContainerService& service, RequestContext& c) {
  auto options = log_options_from(c.query);
  if (c.is_websocket_upgrade()) {
    auto feed = co_await service.follow_logs(c.caller(), c.param("env"), c.param("id"), options);
    co_return log_socket_reply(std::move(feed));
  }
  if (c.query.flag("follow")) {
    auto feed = co_await service.follow_logs(c.caller(), c.param("env"), c.param("id"), options);
    co_return log_stream_reply(std::move(feed));
  }
  const auto logs = co_await service.logs(c.caller(), c.param("env"), c.param("id"), options);
  co_return http::ok(boost::json::serialize(to_json(logs)));
}

asio::awaitable<Reply> container_stats(ContainerService& service, RequestContext& c) {
  if (c.is_websocket_upgrade()) {
    auto feed = co_await service.stats_feed(c.caller(), c.param("env"), c.param("id"));
    co_return ndjson_socket_reply(std::move(feed));
  }
  const auto stats = co_await service.stats(c.caller(), c.param("env"), c.param("id"));
  co_return http::ok(boost::json::serialize(stats));
}

asio::awaitable<Reply> container_health(ContainerService& service, RequestContext& c) {
  const auto health = co_await service.health(c.caller(), c.param("env"), c.param("id"));
  co_return http::ok(boost::json::serialize(health));
}

asio::awaitable<Reply> stats_board(ContainerService& service, RequestContext& c) {
  if (!c.is_websocket_upgrade()) {
    throw Error(ErrorKind::upgrade_required, "websocket_required",
                "The stats of several containers are a WebSocket stream.");
  }
  auto board = co_await service.stats_board(c.caller(), c.param("env"), c.query.all("id"));
  co_return stats_board_reply(std::move(board));
}

asio::awaitable<Reply> container_top(ContainerService& service, RequestContext& c) {
  auto ps_args = c.query.get("ps_args").value_or("");
  const auto top = co_await service.top(c.caller(), c.param("env"), c.param("id"), ps_args);
  co_return http::ok(boost::json::serialize(top));
}

asio::awaitable<Reply> attach_exec(ContainerService& service, RequestContext& c) {
  const auto size = terminal_size_from(c.query);
  if (!c.is_websocket_upgrade()) {
    throw Error(ErrorKind::upgrade_required, "websocket_required",
                "Interactive exec speaks WebSocket; use POST for a captured run.");
  }
  auto request = exec_request_from(c.query);
  auto session = co_await service.exec_interactive(c.caller(), c.param("env"), c.param("id"),
                                                   std::move(request), size);
  co_return exec_socket_reply(std::move(session));
}

asio::awaitable<Reply> create_container(ContainerService& service, RequestContext& c) {
  ContainerCreate request{c.query.get("name"), c.query.get("team"), c.request.body(),
                          c.idempotency_token};
  if (const auto pull = c.query.get("pull")) request.pull = pull_policy_from(*pull);
  const auto created = co_await service.create(c.caller(), c.param("env"), std::move(request));
  co_return http::created(boost::json::serialize(created));
}

http::Handler act_on_container(ContainerService& service, ContainerAction action) {
  return [&service, action](RequestContext& c) -> asio::awaitable<Reply> {
    auto options = action_options_from(c.query, action);
    co_await service.act(c.caller(), c.param("env"), c.param("id"), action, std::move(options));
    co_return http::no_content();
  };
}

asio::awaitable<Reply> rename_container(ContainerService& service, RequestContext& c) {
  auto name = c.query.get("name");
  if (!name) throw Error::invalid("invalid_parameter", "Query parameter 'name' is required.");
  co_await service.rename(c.caller(), c.param("env"), c.param("id"), std::move(*name));
  co_return http::no_content();
}

asio::awaitable<Reply> update_container(ContainerService& service, RequestContext& c) {
  auto warnings =
      co_await service.update(c.caller(), c.param("env"), c.param("id"), c.request.body());
  co_return http::ok(boost::json::serialize(update_answer(std::move(warnings))));
}

asio::awaitable<Reply> wait_container(ContainerService& service, RequestContext& c) {
  auto condition = c.query.get("condition").value_or("not-running");
  const auto result =
      co_await service.wait(c.caller(), c.param("env"), c.param("id"), std::move(condition));
  co_return http::ok(boost::json::serialize(result));
}

asio::awaitable<Reply> run_exec(ContainerService& service, RequestContext& c) {
  const auto timeout = exec_timeout_from(c.query);
  auto request = exec_request_from(json::parse_object(c.request.body()));
  const auto result =
      co_await service.exec(c.caller(), c.param("env"), c.param("id"), std::move(request), timeout);
  co_return http::ok(boost::json::serialize(to_json(result)));
}

asio::awaitable<Reply> delete_container(ContainerService& service, RequestContext& c) {
  auto options = remove_options_from(c.query);
  co_await service.remove(c.caller(), c.param("env"), c.param("id"), options);
  co_return http::no_content();
}

}  // namespace

// Every route that names a container lets the service resolve it for the caller: one the caller
// may not act on is the same 404 as one that does not exist.
void add_container_routes(http::Router& router, ContainerService& service,
                          TenancyService& tenancy) {
  const auto operate = on_environment(perm::containers_operate);
  // clang-format off
  // GET
  router.add(Verb::get, path(""), with(service, list_containers), on_environment(perm::containers_read));
  router.add(Verb::get, path("/{id}"), with(service, inspect_container), on_environment(perm::containers_read));
  router.add(Verb::get, path("/{id}/logs"), with(service, container_logs), on_environment(perm::containers_logs));
  router.add(Verb::get, path("/{id}/stats"), with(service, container_stats), on_environment(perm::containers_read));
  router.add(Verb::get, path("/{id}/health"), with(service, container_health), on_environment(perm::containers_read));
  router.add(Verb::get, "/api/v1/environments/{env}/stats", with(service, stats_board), on_environment(perm::containers_read));
  router.add(Verb::get, path("/{id}/top"), with(service, container_top), on_environment(perm::containers_read));
  router.add(Verb::get, path("/{id}/exec"), with(service, attach_exec), on_environment(perm::containers_exec));

  // POST
  router.add(Verb::post, path(""), with(service, create_container), on_environment(perm::containers_create).audited("containers.create").takes_idempotency_key());
  router.add(Verb::post, path("/{id}/start"), act_on_container(service, ContainerAction::start), operate.audited("containers.start"));
  router.add(Verb::post, path("/{id}/stop"), act_on_container(service, ContainerAction::stop), operate.audited("containers.stop"));
  router.add(Verb::post, path("/{id}/restart"), act_on_container(service, ContainerAction::restart), operate.audited("containers.restart"));
  router.add(Verb::post, path("/{id}/kill"), act_on_container(service, ContainerAction::kill), operate.audited("containers.kill"));
  router.add(Verb::post, path("/{id}/pause"), act_on_container(service, ContainerAction::pause), operate.audited("containers.pause"));
  router.add(Verb::post, path("/{id}/unpause"), act_on_container(service, ContainerAction::unpause), operate.audited("containers.unpause"));
  router.add(Verb::post, path("/{id}/rename"), with(service, rename_container), on_environment(perm::containers_update).audited("containers.rename"));
  router.add(Verb::post, path("/{id}/update"), with(service, update_container), on_environment(perm::containers_update).audited("containers.update"));
  router.add(Verb::post, path("/{id}/wait"), with(service, wait_container), on_environment(perm::containers_read).audited("containers.wait"));
  router.add(Verb::post, path("/{id}/exec"), with(service, run_exec), on_environment(perm::containers_exec).audited("containers.exec"));

  // PUT
  router.add(Verb::put, path("/{id}/owner"), assign_owner(tenancy, ResourceKind::container, "id"), on_environment(perm::resources_assign).audited("containers.owner.put"));

  // DELETE
  router.add(Verb::delete_, path("/{id}"), with(service, delete_container), on_environment(perm::containers_delete).audited("containers.delete"));
  // clang-format on
}

}  // namespace dokkerr::containers
