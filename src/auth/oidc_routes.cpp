#include "http/responses.hpp"
#include "auth/oidc_service.hpp"
#include "auth/routes.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;
using boost::beast::http::field;
using http::access::kPublic;
using http::RequestContext;
using http::Reply;
using http::Verb;

using http::needs;

ClientInfo client_of(const RequestContext& c) {
  const auto agent = c.request[field::user_agent];
  return ClientInfo{c.remote_address, std::string(agent.substr(0, 256)), c.request_id};
}

// The cookie that binds a pending login to the user agent that started it: sent back only to
// the callback, never readable by scripts, and carried on the provider's top-level redirect.
std::string binding_cookie(std::string_view value, std::int64_t max_age, bool secure) {
  std::string cookie(kOidcBindingCookie);
  cookie += '=';
  cookie += value;
  cookie += "; Path=";
  cookie += kOidcCallbackPath;
  cookie += "; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Lax";
  if (secure) cookie += "; Secure";
  return cookie;
}

// Answers that carry one-time secrets or tokens are never stored by a cache.
http::Response no_store(http::Response response) {
  response.set(field::cache_control, "no-store");
  return response;
}

}  // namespace

void add_oidc_routes(http::Router& router, OidcService& oidc) {
  auto& s = oidc;

  // Sign-in (public)
  router.add(Verb::get, "/api/v1/auth/oidc/providers/public", [&s](RequestContext&) -> asio::awaitable<Reply> {
    co_return http::json_response(http::Status::ok, co_await s.public_providers());
  }, needs(kPublic));
  router.add(Verb::get, "/api/v1/auth/oidc/{provider}/start", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto mode = c.query.get("mode").value_or("redirect");
    if (mode != "redirect" && mode != "json") {
      throw Error::invalid("invalid_parameter", "mode is redirect or json.");
    }
    const auto login =
        co_await s.start(c.param("provider"), c.query.get("redirect_uri"), c.remote_address);
    const auto cookie = binding_cookie(login.binding, kOidcLoginTtlSeconds, login.secure_cookie);
    http::Response response;
    if (mode == "json") {
      const boost::json::object body{{"authorization_url", login.authorization_url}};
      response = http::json_response(http::Status::ok, boost::json::serialize(body));
    } else {
      response = http::empty_response(http::Status::found);
      response.set(field::location, login.authorization_url);
    }
    response.set(field::set_cookie, cookie);
    co_return no_store(std::move(response));
  }, needs(kPublic));
  router.add(Verb::get, std::string(kOidcCallbackPath), [&s](RequestContext& c) -> asio::awaitable<Reply> {
    const std::string_view target = c.request.target();
    const auto question = target.find('?');
    std::string query(question == std::string_view::npos ? std::string_view{}
                                                         : target.substr(question + 1));
    auto binding = cookie_value(c.request[field::cookie], kOidcBindingCookie);
    const auto pair = co_await s.callback(std::move(query), std::move(binding), client_of(c));
    auto response = http::json_response(http::Status::ok, token_pair_json(pair));
    response.set(field::set_cookie, binding_cookie("", 0, false));
    co_return no_store(std::move(response));
  }, needs(kPublic));

  // Providers (platform admins)
  router.add(Verb::get, "/api/v1/auth/oidc/providers", [&s](RequestContext&) -> asio::awaitable<Reply> {
    co_return http::json_response(http::Status::ok, co_await s.list_providers());
  }, needs(perm::users_manage));
  router.add(Verb::post, "/api/v1/auth/oidc/providers", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::json_response(http::Status::created,
                                  co_await s.create_provider(json::parse_object(c.request.body())));
  }, needs(perm::users_manage).audited("auth.oidc.providers.create"));
  router.add(Verb::delete_, "/api/v1/auth/oidc/providers/{id}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.delete_provider(c.param("id"));
    co_return http::empty_response(http::Status::no_content);
  }, needs(perm::users_manage).audited("auth.oidc.providers.delete"));
}

}  // namespace dokkerr::auth
