#include "core/page.hpp"
#include "core/permissions.hpp"
#include "http/responses.hpp"
#include "users/membership_json.hpp"
#include "users/organization_json.hpp"
#include "users/organization_service.hpp"
#include "users/routes.hpp"

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
void add_organization_routes(http::Router& router, OrganizationService& s) {
  const std::string base = "/api/v1/organizations";
  const std::string item = base + "/{id}";
  // GET
  router.add(Verb::get, base, [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto orgs = co_await s.list(c.principal);
    co_return http::ok(http::list_body(Page<Organization>{std::move(orgs), std::nullopt}, organization_object));
  }, needs(kAuthenticated));
  router.add(Verb::get, item, [&s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto org = co_await s.get(c.principal, c.param("id"));
    co_return http::ok(organization_json(org));
  }, needs(kAuthenticated));
  router.add(Verb::get, item + "/members", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto members = co_await s.members(c.principal, c.param("id"));
    co_return http::ok(http::list_body(Page<Membership>{std::move(members), std::nullopt}, membership_object));
  }, needs(kAuthenticated));
  router.add(Verb::get, item + "/roles", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto roles = co_await s.roles(c.principal, c.param("id"));
    co_return http::ok(http::list_body(Page<CustomRole>{std::move(roles), std::nullopt}, role_object));
  }, needs(kAuthenticated));
  // POST
  router.add(Verb::post, base, [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto request = parse_new_organization(c.request.body());
    const auto org = co_await s.create(std::move(request));
    co_return http::created(organization_json(org));
  }, needs(perm::organizations_manage).audited("organizations.create"));
  router.add(Verb::post, item + "/roles", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto request = parse_new_role(c.request.body());
    const auto role = co_await s.create_role(c.principal, c.param("id"), std::move(request));
    co_return http::created(role_json(role));
  }, needs(perm::org_manage).audited("organizations.roles").hidden_unless_member(http::HiddenKind::organization, "id"));
  // PUT
  router.add(Verb::put, item + "/members/{user}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto role = parse_member_role(c.request.body());
    co_await s.put_member(c.principal, c.param("id"), c.param("user"), std::move(role));
    co_return http::no_content();
  }, needs(perm::org_manage).audited("organizations.members.put").hidden_unless_member(http::HiddenKind::organization, "id"));
  // DELETE
  router.add(Verb::delete_, item, [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.remove(c.param("id"));
    co_return http::no_content();
  }, needs(perm::organizations_manage).audited("organizations.delete").hidden_unless_member(http::HiddenKind::organization, "id"));
  router.add(Verb::delete_, item + "/members/{user}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.remove_member(c.principal, c.param("id"), c.param("user"));
    co_return http::no_content();
  }, needs(perm::org_manage).audited("organizations.members.delete").hidden_unless_member(http::HiddenKind::organization, "id"));
  router.add(Verb::delete_, item + "/roles/{role}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.remove_role(c.principal, c.param("id"), c.param("role"));
    co_return http::no_content();
  }, needs(perm::org_manage).audited("organizations.roles.delete").hidden_unless_member(http::HiddenKind::organization, "id"));
}
// clang-format on

}  // namespace dokkerr::users
