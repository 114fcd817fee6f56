#include "core/page.hpp"
#include "core/permissions.hpp"
#include "http/responses.hpp"
#include "users/grant_json.hpp"
#include "users/grant_service.hpp"
#include "users/routes.hpp"

namespace dokkerr::users {
namespace {

namespace asio = boost::asio;
using http::needs;
using http::Reply;
using http::RequestContext;
using http::Verb;

}  // namespace

// Platform admins; an environment the caller was not granted answers 404 first.
// One route per entry reads better than the formatter's layout.
// clang-format off
void add_grant_routes(http::Router& router, GrantService& s) {
  const std::string base = "/api/v1/environments/{env}/grants";
  // GET
  router.add(Verb::get, base, [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto grants = co_await s.list(c.param("env"));
    co_return http::ok(http::list_body(Page<Grant>{std::move(grants), std::nullopt}, grant_object));
  }, needs(perm::environments_manage).in_environment("env"));
  // POST
  router.add(Verb::post, base, [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto request = parse_new_grant(c.request.body());
    co_await s.put(c.param("env"), std::move(request));
    co_return http::no_content();
  }, needs(perm::environments_manage).audited("grants.create").in_environment("env"));
  // DELETE
  router.add(Verb::delete_, base + "/{type}/{id}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.remove(c.param("env"), c.param("type"), c.param("id"));
    co_return http::no_content();
  }, needs(perm::environments_manage).audited("grants.delete").in_environment("env"));
}
// clang-format on

}  // namespace dokkerr::users
