#include "containers/environment_service.hpp"
#include "http/responses.hpp"
#include "containers/routes.hpp"
#include "core/permissions.hpp"
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
  router.add(Verb::get, base, [&service](RequestContext& c) -> asio::awaitable<Reply> {
    // Only environments granted to one of the caller's teams (admins: all).
    boost::json::array visible;
    for (auto& environment : service.describe_all()) {
      const auto* id = environment.as_object().if_contains("id");
      if (id != nullptr && id->is_string() && c.caller().sees_environment(id->as_string())) {
        visible.push_back(std::move(environment));
      }
    }
    boost::json::object document{{"items", std::move(visible)}, {"next_cursor", nullptr}};
    co_return http::ok(boost::json::serialize(document));
  }, http::needs(http::access::kAuthenticated));
  router.add(Verb::get, item, [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(boost::json::serialize(service.describe(c.param("env"))));
  }, on_environment(http::access::kAuthenticated));

  // POST
  router.add(Verb::post, base, [&service](RequestContext& c) -> asio::awaitable<Reply> {
    auto input = parse_environment_input(json::parse_object(c.request.body()));
    co_return http::created(boost::json::serialize(co_await service.create(std::move(input))));
  }, http::needs(perm::environments_manage).audited("environments.create"));

  // PATCH
  router.add(Verb::patch, item, [&service](RequestContext& c) -> asio::awaitable<Reply> {
    auto input = parse_environment_input(json::parse_object(c.request.body()));
    co_return http::ok(boost::json::serialize(co_await service.update(c.param("env"), std::move(input))));
  }, on_environment(perm::environments_manage).audited("environments.update"));

  // DELETE
  router.add(Verb::delete_, item, [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_await service.remove(c.param("env"));
    co_return http::no_content();
  }, on_environment(perm::environments_manage).audited("environments.delete"));
}

}  // namespace dokkerr::containers
