#include "containers/network_service.hpp"
#include "containers/routes.hpp"
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

void add_network_routes(http::Router& router, NetworkService& service) {
  // GET
  router.add(Verb::get, path(""), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.list(c.param("env"), c.query.get("filters")));
  });
  router.add(Verb::get, path("/{id}"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.inspect(c.param("env"), c.param("id")));
  });

  // POST
  router.add(Verb::post, path(""), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return created_json(co_await service.create(c.param("env"), json::parse_object(c.request.body())));
  });
  router.add(Verb::post, path("/{id}/connect"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_await service.connect(c.param("env"), c.param("id"), json::parse_object(c.request.body()), false);
    co_return no_content();
  });
  router.add(Verb::post, path("/{id}/disconnect"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_await service.connect(c.param("env"), c.param("id"), json::parse_object(c.request.body()), true);
    co_return no_content();
  });
  router.add(Verb::post, path("/prune"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.prune(c.param("env"), c.query.get("filters")));
  });

  // DELETE
  router.add(Verb::delete_, path("/{id}"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_await service.remove(c.param("env"), c.param("id"));
    co_return no_content();
  });
}

}  // namespace dokkerr::containers
