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
  return "/api/v1/environments/{env}/volumes" + std::string(suffix);
}

}  // namespace

void add_volume_routes(http::Router& router, VolumeService& service) {
  // GET
  router.add(Verb::get, path(""), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.list(c.param("env"), c.query.get("filters")));
  });
  router.add(Verb::get, path("/{name}"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.inspect(c.param("env"), c.param("name")));
  });

  // POST
  router.add(Verb::post, path(""), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return created_json(
        co_await service.create(c.param("env"), json::parse_object(c.request.body(), true)));
  });
  router.add(Verb::post, path("/prune"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.prune(c.param("env"), c.query.get("filters")));
  });

  // DELETE
  router.add(Verb::delete_, path("/{name}"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_await service.remove(c.param("env"), c.param("name"), c.query.flag("force"));
    co_return no_content();
  });
}

}  // namespace dokkerr::containers
