#include "auth/account_service.hpp"
#include "http/responses.hpp"
#include "auth/auth_service.hpp"
#include "auth/routes.hpp"
#include "auth/session_service.hpp"
#include "core/blocking_pool.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;
using http::access::kAuthenticated;
using http::access::kPublic;
using http::RequestContext;
using http::Reply;
using http::Verb;

using http::created;
using http::needs;
using http::ok;
http::Response done() { return http::no_content(); }

ClientInfo client_of(const RequestContext& c) {
  const auto agent = c.request[boost::beast::http::field::user_agent];
  return ClientInfo{c.remote_address, std::string(agent.substr(0, 256)), c.request_id};
}

// The account itself (how it signs in, its sessions, its profile) is managed by its person, not
// by an API key: a key holds only its scopes, and none of them covers the account.
void refuse_api_keys(const RequestContext& c) {
  if (!c.caller().api_key_id.empty()) {
    throw Error(ErrorKind::forbidden, "permission_denied",
                "API keys cannot manage the account; sign in to do this.");
  }
}

}  // namespace

void add_auth_routes(http::Router& router, AuthRouteServices s) {
  // Setup and sign-in (public)
  router.add(Verb::get, "/api/v1/setup", [s](RequestContext&) -> asio::awaitable<Reply> {
    auto count = [s] { return s.auth.setup_pending(); };
    const bool pending = co_await s.pool.run(count);
    co_return ok(pending ? R"({"setup_required":true})" : R"({"setup_required":false})");
  }, needs(kPublic));
  router.add(Verb::post, "/api/v1/setup", [s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto body = json::parse_object(c.request.body());
    json::only_fields(body, {"setup_token", "username", "password"});
    auto user = co_await s.auth.setup(json::required_string(body, "setup_token"),
                                      json::required_string(body, "username"),
                                      json::required_string(body, "password"), client_of(c));
    co_return created(user_json(user));
  }, needs(kPublic));
  router.add(Verb::post, "/api/v1/auth/login", [s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto body = json::parse_object(c.request.body());
    json::only_fields(body, {"username", "password", "totp_code", "recovery_code"});
    LoginRequest request{json::required_string(body, "username"),
                         json::required_string(body, "password"),
                         json::optional_string(body, "totp_code"),
                         json::optional_string(body, "recovery_code")};
    co_return ok(token_pair_json(co_await s.auth.login(std::move(request), client_of(c))));
  }, needs(kPublic));
  router.add(Verb::post, "/api/v1/auth/refresh", [s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto body = json::parse_object(c.request.body());
    json::only_fields(body, {"refresh_token"});
    co_return ok(token_pair_json(
        co_await s.auth.refresh(json::required_string(body, "refresh_token"), client_of(c))));
  }, needs(kPublic));
  router.add(Verb::post, "/api/v1/auth/logout", [s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.auth.logout(c.principal, client_of(c));
    co_return done();
  }, needs(kAuthenticated).audited("auth.logout.create").before_mfa_enrolment());
  router.add(Verb::post, "/api/v1/auth/ws-ticket", [s](RequestContext& c) -> asio::awaitable<Reply> {
    auto ticket = co_await s.auth.ws_ticket(c.principal);
    co_return ok(boost::json::serialize(boost::json::object{
        {"ticket", ticket}, {"expires_in", s.sessions.settings().ws_ticket_ttl_seconds}}));
  }, needs(kAuthenticated).audited("auth.ws-ticket.create"));

  // The caller's own account
  router.add(Verb::post, "/api/v1/me/password", [s](RequestContext& c) -> asio::awaitable<Reply> {
    refuse_api_keys(c);
    const auto body = json::parse_object(c.request.body());
    json::only_fields(body, {"current_password", "new_password"});
    co_await s.auth.change_password(c.principal, json::required_string(body, "current_password"),
                                    json::required_string(body, "new_password"), client_of(c));
    co_return done();
  }, needs(kAuthenticated).audited("me.password.create"));
  router.add(Verb::get, "/api/v1/me/sessions", [s](RequestContext& c) -> asio::awaitable<Reply> {
    auto list = [s, &c] {
      std::string out = R"({"items":[)";
      bool first = true;
      for (const auto& session : s.sessions.list_sessions(c.caller().user_id)) {
        if (!first) out += ',';
        first = false;
        out += session_json(session, c.caller().session_id);
      }
      return out + R"(],"next_cursor":null})";
    };
    co_return ok(co_await s.pool.run(list));
  }, needs(kAuthenticated));
  router.add(Verb::delete_, "/api/v1/me/sessions/{id}", [s](RequestContext& c) -> asio::awaitable<Reply> {
    refuse_api_keys(c);
    auto revoke = [s, &c] { return s.sessions.revoke(c.caller().user_id, c.param("id"), "revoked"); };
    if (!co_await s.pool.run(revoke)) {
      throw Error::not_found("session_not_found", "No such session.");
    }
    co_return done();
  }, needs(kAuthenticated).audited("me.sessions.delete"));
  router.add(Verb::delete_, "/api/v1/me/sessions", [s](RequestContext& c) -> asio::awaitable<Reply> {
    refuse_api_keys(c);
    auto revoke = [s, &c] { return s.sessions.revoke_all(c.caller().user_id, "revoked"); };
    co_await s.pool.run(revoke);
    co_return done();
  }, needs(kAuthenticated).audited("me.sessions.delete"));

  // Two-factor sign-in
  router.add(Verb::post, "/api/v1/me/mfa/totp", [s](RequestContext& c) -> asio::awaitable<Reply> {
    refuse_api_keys(c);
    co_return ok(co_await s.accounts.enroll_totp(c.principal));
  }, needs(kAuthenticated).audited("me.mfa.totp.create").before_mfa_enrolment());
  router.add(Verb::post, "/api/v1/me/mfa/totp/confirm", [s](RequestContext& c) -> asio::awaitable<Reply> {
    refuse_api_keys(c);
    const auto body = json::parse_object(c.request.body());
    json::only_fields(body, {"code"});
    co_return ok(co_await s.accounts.confirm_totp(c.principal, json::required_string(body, "code"),
                                                  client_of(c)));
  }, needs(kAuthenticated).audited("me.mfa.totp.confirm.create").before_mfa_enrolment());
  router.add(Verb::post, "/api/v1/me/mfa/totp/disable", [s](RequestContext& c) -> asio::awaitable<Reply> {
    refuse_api_keys(c);
    const auto body = json::parse_object(c.request.body());
    json::only_fields(body, {"password", "code"});
    co_await s.accounts.disable_totp(c.principal, json::required_string(body, "password"),
                                     json::required_string(body, "code"), client_of(c));
    co_return done();
  }, needs(kAuthenticated).audited("me.mfa.totp.disable.create").before_mfa_enrolment());

  // Platform settings: who must use two-factor sign-in
  router.add(Verb::get, "/api/v1/settings/mfa", [s](RequestContext&) -> asio::awaitable<Reply> {
    co_return ok(co_await s.auth.mfa_requirement());
  }, needs(perm::users_manage));
  router.add(Verb::put, "/api/v1/settings/mfa", [s](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok(co_await s.auth.set_mfa_requirement(c.request.body()));
  }, needs(perm::users_manage).audited("settings.mfa.put"));

  // API keys
  router.add(Verb::get, "/api/v1/api-keys", [s](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok(co_await s.accounts.list_api_keys(c.principal));
  }, needs(kAuthenticated));
  router.add(Verb::post, "/api/v1/api-keys", [s](RequestContext& c) -> asio::awaitable<Reply> {
    co_return created(co_await s.accounts.create_api_key(c.principal,
                                                         json::parse_object(c.request.body())));
  }, needs(kAuthenticated).audited("api-keys.create"));
  router.add(Verb::delete_, "/api/v1/api-keys/{id}", [s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.accounts.revoke_api_key(c.principal, c.param("id"));
    co_return done();
  }, needs(kAuthenticated).audited("api-keys.delete"));
}

}  // namespace dokkerr::auth
