#include "auth/routes.hpp"
#include "auth/session_json.hpp"
#include "auth/session_service.hpp"
#include "http/responses.hpp"
#include "users/rules.hpp"

#include <boost/json/array.hpp>

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;
using http::needs;
using http::Reply;
using http::RequestContext;
using http::Verb;
using http::access::kAuthenticated;

}  // namespace

// The caller's own sessions; ending one is the account's business, not an API key's.
// One route per entry reads better than the formatter's layout.
// clang-format off
void add_session_routes(http::Router& router, SessionService& s) {
  // GET
  router.add(Verb::get, "/api/v1/me/sessions", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto sessions = co_await s.list_mine(c.principal);
    boost::json::array items;
    for (const auto& session : sessions) items.emplace_back(session_object(session, c.caller().session_id));
    co_return http::ok(http::list_body(std::move(items)));
  }, needs(kAuthenticated));
  // DELETE
  router.add(Verb::delete_, "/api/v1/me/sessions/{id}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    users::refuse_api_keys(c.caller());
    co_await s.end_mine(c.principal, c.param("id"));
    co_return http::no_content();
  }, needs(kAuthenticated).audited("me.sessions.delete"));
  router.add(Verb::delete_, "/api/v1/me/sessions", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    users::refuse_api_keys(c.caller());
    co_await s.end_all_mine(c.principal);
    co_return http::no_content();
  }, needs(kAuthenticated).audited("me.sessions.delete"));
}
// clang-format on

}  // namespace dokkerr::auth
