#include "users/grant_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "users/organization_store.hpp"
#include "users/rules.hpp"
#include "users/team_store.hpp"

namespace dokkerr::users {

namespace asio = boost::asio;

asio::awaitable<std::vector<Grant>> GrantService::list(std::string environment) {
  auto list = [&] { return grants_.list(environment); };
  co_return co_await pool_.run(list);
}

asio::awaitable<void> GrantService::put(std::string environment, NewGrant request) {
  const bool to_team = request.grantee_type == "team";
  if (!to_team && request.grantee_type != "organization") {
    throw Error::invalid("invalid_body", "grantee_type is team or organization.");
  }
  Grant grant{std::move(environment), std::move(request.grantee_type),
              std::move(request.grantee_id), clock_.stamp()};
  auto put = [&] {
    if (to_team && !teams_.find(grant.grantee_id)) throw team_not_found();
    if (!to_team && !orgs_.find(grant.grantee_id)) throw organization_not_found();
    grants_.put(grant);
  };
  co_await pool_.run(put);
}

asio::awaitable<void> GrantService::remove(std::string environment, std::string grantee_type,
                                           std::string grantee_id) {
  auto remove = [&] { return grants_.remove(environment, grantee_type, grantee_id); };
  const bool removed = co_await pool_.run(remove);
  if (!removed) throw Error::not_found("grant_not_found", "No such grant.");
}

}  // namespace dokkerr::users
