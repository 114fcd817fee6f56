#include "auth/auth_json.hpp"
#include "auth/routes.hpp"
#include "auth/sign_in_service.hpp"
#include "auth/ticket_service.hpp"
#include "http/responses.hpp"
#include "users/rules.hpp"
#include "users/user_json.hpp"

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;
using http::needs;
using http::RateClass;
using http::Reply;
using http::RequestContext;
using http::Verb;
using http::access::kAuthenticated;
using http::access::kPublic;

}  // namespace

// One route per entry reads better than the formatter's layout.
// clang-format off
void add_sign_in_routes(http::Router& router, SignInService& s, TicketService& tickets) {
  // GET
  router.add(Verb::get, "/api/v1/setup", [&s](RequestContext&) -> asio::awaitable<Reply> {
    const bool pending = co_await s.setup_pending();
    co_return http::ok(setup_status_json(pending));
  }, needs(kPublic));
  // POST
  router.add(Verb::post, "/api/v1/setup", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto request = parse_setup(c.request.body());
    const auto user = co_await s.setup(std::move(request), client_of(c));
    co_return http::created(users::user_json(user));
  }, needs(kPublic).limited_as(RateClass::sign_in));
  router.add(Verb::post, "/api/v1/auth/login", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto request = parse_login(c.request.body());
    const auto pair = co_await s.login(std::move(request), client_of(c));
    co_return http::ok(token_pair_json(pair));
  }, needs(kPublic).limited_as(RateClass::sign_in));
  router.add(Verb::post, "/api/v1/auth/refresh", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto token = parse_refresh(c.request.body());
    const auto pair = co_await s.refresh(std::move(token), client_of(c));
    co_return http::ok(token_pair_json(pair));
  }, needs(kPublic).limited_as(RateClass::sign_in));
  router.add(Verb::post, "/api/v1/auth/logout", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.logout(c.principal, client_of(c));
    co_return http::no_content();
  }, needs(kAuthenticated).audited("auth.logout.create").before_mfa_enrolment());
  router.add(Verb::post, "/api/v1/auth/ws-ticket", [&tickets](RequestContext& c) -> asio::awaitable<Reply> {
    auto path = parse_ticket_request(c.request.body());
    const auto ticket = co_await tickets.issue(c.principal, std::move(path));
    co_return http::ok(ticket_json(ticket));
  }, needs(kAuthenticated).audited("auth.ws-ticket.create"));
  router.add(Verb::post, "/api/v1/me/password", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    users::refuse_api_keys(c.caller());
    auto change = parse_password_change(c.request.body());
    co_await s.change_password(c.principal, std::move(change), client_of(c));
    co_return http::no_content();
  }, needs(kAuthenticated).audited("me.password.create"));
}
// clang-format on

void add_routes(http::Router& router, RouteServices services) {
  add_sign_in_routes(router, services.sign_in, services.tickets);
  add_session_routes(router, services.sessions);
  add_mfa_routes(router, services.mfa);
  add_api_key_routes(router, services.api_keys);
  add_oidc_routes(router, services.oidc);
}

}  // namespace dokkerr::auth
