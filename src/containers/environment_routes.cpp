#include "containers/environment_service.hpp"
#include "containers/routes.hpp"
#include "core/json.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using http::RequestContext;
using http::Reply;
using http::Verb;

}  // namespace

void add_environment_routes(http::Router& router, EnvironmentService& service) {
  constexpr const char* base = "/api/v1/environments";
  const std::string item = std::string(base) + "/{env}";

  // GET
  router.add(Verb::get, base, [&service](RequestContext&) -> asio::awaitable<Reply> {
    boost::json::object document{{"items", service.describe_all()}, {"next_cursor", nullptr}};
    co_return ok_json(boost::json::serialize(document));
  });
  router.add(Verb::get, item, [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(boost::json::serialize(service.describe(c.param("env"))));
  });

  // POST
  router.add(Verb::post, base, [&service](RequestContext& c) -> asio::awaitable<Reply> {
    auto input = parse_environment_input(json::parse_object(c.request.body()));
    co_return created_json(boost::json::serialize(co_await service.create(std::move(input))));
  });

  // PATCH
  router.add(Verb::patch, item, [&service](RequestContext& c) -> asio::awaitable<Reply> {
    auto input = parse_environment_input(json::parse_object(c.request.body()));
    co_return ok_json(boost::json::serialize(co_await service.update(c.param("env"), std::move(input))));
  });

  // DELETE
  router.add(Verb::delete_, item, [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_await service.remove(c.param("env"));
    co_return no_content();
  });
}

}  // namespace dokkerr::containers
