#include "core/permissions.hpp"
#include "http/responses.hpp"
#include "users/avatar_image.hpp"
#include "users/avatar_service.hpp"
#include "users/routes.hpp"
#include "users/rules.hpp"
#include "users/user_json.hpp"
#include "users/user_service.hpp"

namespace dokkerr::users {
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
void add_user_routes(http::Router& router, UserService& s) {
  // Accounts (platform admins)
  // GET
  router.add(Verb::get, "/api/v1/users", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto limit = static_cast<std::size_t>(c.query.integer("limit", 100, 1, 1000));
    auto cursor = c.query.get("cursor").value_or("");
    const auto page = co_await s.list(limit, std::move(cursor));
    co_return http::ok(http::list_body(page, user_object));
  }, needs(perm::users_manage));
  router.add(Verb::get, "/api/v1/users/{id}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto user = co_await s.get(c.param("id"));
    co_return http::ok(user_json(user));
  }, needs(perm::users_manage));
  // POST
  router.add(Verb::post, "/api/v1/users", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto request = parse_new_user(c.request.body());
    const auto user = co_await s.create(std::move(request));
    co_return http::created(user_json(user));
  }, needs(perm::users_manage).audited("users.create"));
  // PATCH
  router.add(Verb::patch, "/api/v1/users/{id}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto changes = parse_user_changes(c.request.body());
    const auto user = co_await s.update(c.principal, c.param("id"), std::move(changes));
    co_return http::ok(user_json(user));
  }, needs(perm::users_manage).audited("users.update"));
  // DELETE
  router.add(Verb::delete_, "/api/v1/users/{id}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.remove(c.principal, c.param("id"));
    co_return http::no_content();
  }, needs(perm::users_manage).audited("users.delete"));

  // The caller's own account
  // GET
  router.add(Verb::get, "/api/v1/me", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto user = co_await s.me(c.principal);
    co_return http::ok(user_json(user));
  }, needs(kAuthenticated).before_mfa_enrolment());
  router.add(Verb::get, "/api/v1/me/permissions", [](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(permissions_json(UserService::permissions(c.caller())));
  }, needs(kAuthenticated).before_mfa_enrolment());
  // PATCH
  router.add(Verb::patch, "/api/v1/me", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    refuse_api_keys(c.caller());
    auto changes = parse_profile_changes(c.request.body());
    const auto user = co_await s.update_me(c.principal, std::move(changes));
    co_return http::ok(user_json(user));
  }, needs(kAuthenticated).audited("me.update").before_mfa_enrolment());
}
// clang-format on

void add_routes(http::Router& router, RouteServices services) {
  add_user_routes(router, services.users);
  add_organization_routes(router, services.organizations);
  add_team_routes(router, services.teams);
  add_grant_routes(router, services.grants);
  add_avatar_routes(router, services.avatars);
}

void add_avatar_routes(http::Router& router, AvatarService& avatars) {
  router.add(
      Verb::put, "/api/v1/me/avatar",
      [&avatars](RequestContext& c) -> asio::awaitable<Reply> {
        refuse_api_keys(c.caller());
        const auto user = co_await avatars.set(c.principal, std::move(c.request.body()));
        co_return http::ok(user_json(user));
      },
      needs(kAuthenticated).audited("me.avatar.update").body_limit(kMaxAvatarBytes));
  router.add(
      Verb::delete_, "/api/v1/me/avatar",
      [&avatars](RequestContext& c) -> asio::awaitable<Reply> {
        refuse_api_keys(c.caller());
        const auto user = co_await avatars.remove(c.principal);
        co_return http::ok(user_json(user));
      },
      needs(kAuthenticated).audited("me.avatar.delete"));
  router.add(
      Verb::get, "/api/v1/users/{id}/avatar",
      [&avatars](RequestContext& c) -> asio::awaitable<Reply> {
        auto avatar = co_await avatars.get(c.caller(), c.param("id"));
        http::Response res{http::Status::ok, 11};
        res.set(boost::beast::http::field::content_type, avatar.content_type);
        // Private to the signed-in caller; the address changes with the picture.
        res.set(boost::beast::http::field::cache_control, "private, max-age=86400");
        res.set("Content-Security-Policy", "default-src 'none'");
        res.body() = std::move(avatar.bytes);
        res.prepare_payload();
        co_return res;
      },
      needs(kAuthenticated));
}

}  // namespace dokkerr::users
