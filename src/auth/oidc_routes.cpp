#include "auth/auth_json.hpp"
#include "auth/oidc_json.hpp"
#include "auth/oidc_service.hpp"
#include "auth/routes.hpp"
#include "core/error.hpp"
#include "core/page.hpp"
#include "core/permissions.hpp"
#include "http/responses.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;
using boost::beast::http::field;
using http::needs;
using http::RateClass;
using http::Reply;
using http::RequestContext;
using http::Verb;
using http::access::kPublic;

// Answers that carry one-time secrets or tokens are never stored by a cache.
http::Response no_store(http::Response response) {
  response.set(field::cache_control, "no-store");
  return response;
}

// GET …/{provider}/start: a redirect to the provider (the default), or its URL as JSON.
asio::awaitable<Reply> start_login(OidcService& s, RequestContext& c) {
  const auto mode = c.query.get("mode").value_or("redirect");
  if (mode != "redirect" && mode != "json") {
    throw Error::invalid("invalid_parameter", "mode is redirect or json.");
  }
  auto redirect_uri = c.query.get("redirect_uri");
  const auto login =
      co_await s.start(c.param("provider"), std::move(redirect_uri), c.remote_address);
  http::Response response;
  if (mode == "json") {
    const boost::json::object body{{"authorization_url", login.authorization_url}};
    response = http::ok(boost::json::serialize(body));
  } else {
    response = http::empty_response(http::Status::found);
    response.set(field::location, login.authorization_url);
  }
  response.set(field::set_cookie,
               binding_cookie(login.binding, kOidcLoginTtlSeconds, login.secure_cookie));
  co_return no_store(std::move(response));
}

// GET /auth/oidc/callback: the provider sends the user agent back here with code and state.
asio::awaitable<Reply> finish_login(OidcService& s, RequestContext& c) {
  const std::string_view target = c.request.target();
  const auto question = target.find('?');
  std::string query(question == std::string_view::npos ? std::string_view{}
                                                       : target.substr(question + 1));
  auto binding = cookie_value(c.request[field::cookie], kOidcBindingCookie);
  const auto pair = co_await s.callback(std::move(query), std::move(binding), client_of(c));
  auto response = http::ok(token_pair_json(pair));
  response.set(field::set_cookie, binding_cookie("", 0, false));
  co_return no_store(std::move(response));
}

}  // namespace

// One route per entry reads better than the formatter's layout.
// clang-format off
void add_oidc_routes(http::Router& router, OidcService& s) {
  // Sign-in (public)
  // GET
  router.add(Verb::get, "/api/v1/auth/oidc/providers/public", [&s](RequestContext&) -> asio::awaitable<Reply> {
    auto providers = co_await s.public_providers();
    co_return http::ok(http::list_body(Page<OidcProviderRecord>{std::move(providers), std::nullopt}, public_provider_object));
  }, needs(kPublic));
  router.add(Verb::get, "/api/v1/auth/oidc/{provider}/start", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_return co_await start_login(s, c);
  }, needs(kPublic).limited_as(RateClass::sign_in));
  router.add(Verb::get, std::string(kOidcCallbackPath), [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_return co_await finish_login(s, c);
  }, needs(kPublic).limited_as(RateClass::sign_in));

  // Providers (platform admins)
  // GET
  router.add(Verb::get, "/api/v1/auth/oidc/providers", [&s](RequestContext&) -> asio::awaitable<Reply> {
    auto providers = co_await s.list_providers();
    co_return http::ok(http::list_body(Page<OidcProviderRecord>{std::move(providers), std::nullopt}, provider_object));
  }, needs(perm::users_manage));
  // POST
  router.add(Verb::post, "/api/v1/auth/oidc/providers", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto input = parse_provider_input(c.request.body());
    const auto provider = co_await s.create_provider(std::move(input));
    co_return http::created(provider_json(provider));
  }, needs(perm::users_manage).audited("auth.oidc.providers.create"));
  // PATCH
  router.add(Verb::patch, "/api/v1/auth/oidc/providers/{id}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto patch = parse_provider_patch(c.request.body());
    const auto provider = co_await s.update_provider(c.param("id"), std::move(patch));
    co_return http::ok(provider_json(provider));
  }, needs(perm::users_manage).audited("auth.oidc.providers.update"));
  // DELETE
  router.add(Verb::delete_, "/api/v1/auth/oidc/providers/{id}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.delete_provider(c.param("id"));
    co_return http::no_content();
  }, needs(perm::users_manage).audited("auth.oidc.providers.delete"));
}
// clang-format on

}  // namespace dokkerr::auth
