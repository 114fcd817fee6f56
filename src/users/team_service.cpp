#include "users/team_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/permissions.hpp"
#include "users/organization_store.hpp"
#include "users/roles.hpp"
#include "users/rules.hpp"
#include "users/session_revoker.hpp"
#include "users/user_store.hpp"

namespace dokkerr::users {

namespace asio = boost::asio;

Team TeamService::visible(const Principal& caller, std::string_view id) {
  auto team = teams_.find(id);
  if (!team || !(caller.is_admin || caller.team_permissions.contains(id))) {
    throw team_not_found();
  }
  return std::move(*team);
}

Team TeamService::check_manages_members(const Principal& caller, std::string_view id) {
  auto team = visible(caller, id);
  if (!caller.has_in_team(id, perm::team_manage)) {
    throw permission_denied("Managing members needs team:manage.");
  }
  return team;
}

asio::awaitable<std::vector<TeamListing>> TeamService::list(Caller caller,
                                                            std::optional<std::string> org) {
  auto list = [&] {
    std::vector<TeamListing> out;
    const auto teams = org ? teams_.list(std::string_view(*org)) : teams_.list(std::nullopt);
    for (const auto& team : teams) {
      const auto held = caller->team_permissions.find(team.id);
      if (held == caller->team_permissions.end()) {
        if (caller->is_admin) out.push_back(TeamListing{team, std::nullopt});
        continue;
      }
      out.push_back(TeamListing{team, held->second});
    }
    return out;
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<Team> TeamService::create(Caller caller, NewTeam request) {
  check_name("name", request.name);
  Team team{random_hex(12), std::move(request.org_id), std::move(request.name), "{}",
            clock_.stamp()};
  auto insert = [&] {
    if (!orgs_.find(team.org_id) || !caller->has_in_org(team.org_id, perm::org_manage)) {
      throw organization_not_found();
    }
    teams_.insert(team);
  };
  co_await pool_.run(insert);
  co_return team;
}

asio::awaitable<Team> TeamService::get(Caller caller, std::string id) {
  auto find = [&] { return visible(*caller, id); };
  co_return co_await pool_.run(find);
}

asio::awaitable<void> TeamService::remove(Caller caller, std::string id) {
  auto remove = [&] {
    const auto team = visible(*caller, id);
    if (!caller->has_in_org(team.org_id, perm::org_manage)) {
      throw permission_denied("Deleting a team needs org:manage.");
    }
    teams_.remove(id);
  };
  co_await pool_.run(remove);
}

asio::awaitable<std::vector<Membership>> TeamService::members(Caller caller, std::string team) {
  auto list = [&] {
    visible(*caller, team);
    return teams_.members(team);
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<void> TeamService::put_member(Caller caller, std::string team, std::string user,
                                              std::string role) {
  auto put = [&] {
    const auto found = check_manages_members(*caller, team);
    if (!role_fits_team(role, found, orgs_)) {
      throw Error::invalid("invalid_role",
                           "Team roles are admin, developer, operator, viewer or "
                           "role:<custom role id> of the team's organization.");
    }
    // A team admin cannot hand out more than a team admin holds, and custom roles are bounded
    // by the catalog; so membership changes never exceed the granter's own reach.
    if (!users_.find(user)) throw user_not_found();
    teams_.put_member(team, user, role);
    sessions_.revoke_sessions(user, "role_change",
                              user == caller->user_id ? caller->session_id : "");
  };
  co_await pool_.run(put);
}

asio::awaitable<void> TeamService::remove_member(Caller caller, std::string team,
                                                 std::string user) {
  auto remove = [&] {
    check_manages_members(*caller, team);
    if (!teams_.remove_member(team, user)) throw user_not_found();
    sessions_.revoke_sessions(user, "role_change",
                              user == caller->user_id ? caller->session_id : "");
  };
  co_await pool_.run(remove);
}

asio::awaitable<TeamPolicy> TeamService::policy(Caller caller, std::string team) {
  auto find = [&] {
    const auto found = visible(*caller, team);
    return TeamPolicy{found.id, policy::policy_from_json(found.policy_json)};
  };
  co_return co_await pool_.run(find);
}

asio::awaitable<TeamPolicy> TeamService::put_policy(Caller caller, std::string team,
                                                    policy::Policy policy) {
  auto put = [&] {
    const auto found = visible(*caller, team);
    if (!caller->has_in_org(found.org_id, perm::org_manage)) {
      throw permission_denied("Relaxing a team's policy needs org:manage in its organization.");
    }
    teams_.set_policy(team, policy::to_json(policy));
    return TeamPolicy{found.id, policy};
  };
  co_return co_await pool_.run(put);
}

}  // namespace dokkerr::users
