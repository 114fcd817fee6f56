#include "auth/api_key_json.hpp"
#include "auth/api_key_service.hpp"
#include "auth/routes.hpp"
#include "core/page.hpp"
#include "http/responses.hpp"

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;
using http::needs;
using http::Reply;
using http::RequestContext;
using http::Verb;
using http::access::kAuthenticated;

}  // namespace

// One route per entry reads better than the formatter's layout.
// clang-format off
void add_api_key_routes(http::Router& router, ApiKeyService& s) {
  // GET
  router.add(Verb::get, "/api/v1/api-keys", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto keys = co_await s.list(c.principal);
    co_return http::ok(http::list_body(Page<ApiKeyRecord>{std::move(keys), std::nullopt}, api_key_object));
  }, needs(kAuthenticated));
  // POST
  router.add(Verb::post, "/api/v1/api-keys", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto request = parse_new_api_key(c.request.body());
    const auto created = co_await s.create(c.principal, std::move(request));
    co_return http::created(created_api_key_json(created));
  }, needs(kAuthenticated).audited("api-keys.create"));
  // DELETE
  router.add(Verb::delete_, "/api/v1/api-keys/{id}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.revoke(c.principal, c.param("id"));
    co_return http::no_content();
  }, needs(kAuthenticated).audited("api-keys.delete"));
}
// clang-format on

}  // namespace dokkerr::auth
