#include "auth/auth_json.hpp"
#include "auth/mfa_json.hpp"
#include "auth/mfa_service.hpp"
#include "auth/routes.hpp"
#include "core/permissions.hpp"
#include "http/responses.hpp"
#include "users/rules.hpp"

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
void add_mfa_routes(http::Router& router, MfaService& s) {
  // The caller's second factor (its person's business, not an API key's; allowed before
  // enrolment, since these routes are the enrolment)
  // POST
  router.add(Verb::post, "/api/v1/me/mfa/totp", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    users::refuse_api_keys(c.caller());
    const auto enrolment = co_await s.enroll(c.principal);
    co_return http::ok(enrolment_json(enrolment));
  }, needs(kAuthenticated).audited("me.mfa.totp.create").before_mfa_enrolment());
  router.add(Verb::post, "/api/v1/me/mfa/totp/confirm", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    users::refuse_api_keys(c.caller());
    auto code = parse_mfa_code(c.request.body());
    const auto codes = co_await s.confirm(c.principal, std::move(code), client_of(c));
    co_return http::ok(recovery_codes_json(codes));
  }, needs(kAuthenticated).audited("me.mfa.totp.confirm.create").before_mfa_enrolment());
  router.add(Verb::post, "/api/v1/me/mfa/totp/disable", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    users::refuse_api_keys(c.caller());
    auto request = parse_mfa_disable(c.request.body());
    co_await s.disable(c.principal, std::move(request.password), std::move(request.code), client_of(c));
    co_return http::no_content();
  }, needs(kAuthenticated).audited("me.mfa.totp.disable.create").before_mfa_enrolment());

  // Platform setting: who must use two-factor sign-in
  // GET
  router.add(Verb::get, "/api/v1/settings/mfa", [&s](RequestContext&) -> asio::awaitable<Reply> {
    const auto roles = co_await s.requirement();
    co_return http::ok(mfa_requirement_json(roles));
  }, needs(perm::users_manage));
  // PUT
  router.add(Verb::put, "/api/v1/settings/mfa", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto roles = parse_mfa_requirement(c.request.body());
    const auto stored = co_await s.set_requirement(std::move(roles));
    co_return http::ok(mfa_requirement_json(stored));
  }, needs(perm::users_manage).audited("settings.mfa.put"));
}
// clang-format on

}  // namespace dokkerr::auth
