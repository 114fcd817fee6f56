#include "core/page.hpp"
#include "core/permissions.hpp"
#include "http/responses.hpp"
#include "users/membership_json.hpp"
#include "users/routes.hpp"
#include "users/team_json.hpp"
#include "users/team_service.hpp"

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
void add_team_routes(http::Router& router, TeamService& s) {
  const std::string base = "/api/v1/teams";
  const std::string item = base + "/{id}";
  // GET
  router.add(Verb::get, base, [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto org = c.query.get("org");
    auto teams = co_await s.list(c.principal, std::move(org));
    co_return http::ok(http::list_body(Page<TeamListing>{std::move(teams), std::nullopt}, team_listing_object));
  }, needs(kAuthenticated));
  router.add(Verb::get, item, [&s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto team = co_await s.get(c.principal, c.param("id"));
    co_return http::ok(team_json(team));
  }, needs(kAuthenticated));
  router.add(Verb::get, item + "/members", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto members = co_await s.members(c.principal, c.param("id"));
    co_return http::ok(http::list_body(Page<Membership>{std::move(members), std::nullopt}, membership_object));
  }, needs(kAuthenticated));
  router.add(Verb::get, item + "/policy", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    const auto policy = co_await s.policy(c.principal, c.param("id"));
    co_return http::ok(team_policy_json(policy));
  }, needs(kAuthenticated));
  // POST
  router.add(Verb::post, base, [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto request = parse_new_team(c.request.body());
    const auto team = co_await s.create(c.principal, std::move(request));
    co_return http::created(team_json(team));
  }, needs(perm::org_manage).audited("teams.create"));
  // PUT
  router.add(Verb::put, item + "/members/{user}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto role = parse_member_role(c.request.body());
    co_await s.put_member(c.principal, c.param("id"), c.param("user"), std::move(role));
    co_return http::no_content();
  }, needs(perm::team_manage).audited("teams.members.put").hidden_unless_member(http::HiddenKind::team, "id"));
  router.add(Verb::put, item + "/policy", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    auto policy = parse_team_policy(c.request.body());
    const auto stored = co_await s.put_policy(c.principal, c.param("id"), std::move(policy));
    co_return http::ok(team_policy_json(stored));
  }, needs(perm::org_manage).audited("teams.policy.put").hidden_unless_member(http::HiddenKind::team, "id"));
  // DELETE
  router.add(Verb::delete_, item, [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.remove(c.principal, c.param("id"));
    co_return http::no_content();
  }, needs(perm::org_manage).audited("teams.delete").hidden_unless_member(http::HiddenKind::team, "id"));
  router.add(Verb::delete_, item + "/members/{user}", [&s](RequestContext& c) -> asio::awaitable<Reply> {
    co_await s.remove_member(c.principal, c.param("id"), c.param("user"));
    co_return http::no_content();
  }, needs(perm::team_manage).audited("teams.members.delete").hidden_unless_member(http::HiddenKind::team, "id"));
}
// clang-format on

}  // namespace dokkerr::users
