#pragma once
// Teams, their members and their container policy. A team the caller holds nothing in (and is
// not a platform admin or org admin for) answers 404, like one that does not exist. Members are
// managed with team:manage in the team; creating and deleting teams and relaxing their policy
// need org:manage in the team's organization.
#include "core/principal.hpp"
#include "policy/policy.hpp"
#include "users/team_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Clock;
}  // namespace dokkerr

namespace dokkerr::users {

class OrganizationStore;
class SessionRevoker;
class UserStore;

struct NewTeam {
  std::string org_id, name;
};

struct TeamListing {
  Team team;
  std::optional<PermissionSet> my_permissions;  // what the caller holds in it, if anything
};

struct TeamPolicy {
  std::string team_id;
  policy::Policy policy;
};

class TeamService {
 public:
  using Caller = std::shared_ptr<const Principal>;

  TeamService(TeamStore& teams, OrganizationStore& orgs, UserStore& users, SessionRevoker& sessions,
              const Clock& clock, BlockingPool& pool)
      : teams_(teams),
        orgs_(orgs),
        users_(users),
        sessions_(sessions),
        clock_(clock),
        pool_(pool) {}

  boost::asio::awaitable<std::vector<TeamListing>> list(Caller caller,
                                                        std::optional<std::string> org);
  boost::asio::awaitable<Team> create(Caller caller, NewTeam request);
  boost::asio::awaitable<Team> get(Caller caller, std::string id);
  boost::asio::awaitable<void> remove(Caller caller, std::string id);

  boost::asio::awaitable<std::vector<Membership>> members(Caller caller, std::string team);
  // Roles: admin, developer, operator, viewer, or role:<id> of a custom role of the team's
  // organization (400 invalid_role). The member's sessions end (the caller's own session stays
  // when they change their own membership).
  boost::asio::awaitable<void> put_member(Caller caller, std::string team, std::string user,
                                          std::string role);
  boost::asio::awaitable<void> remove_member(Caller caller, std::string team, std::string user);

  boost::asio::awaitable<TeamPolicy> policy(Caller caller, std::string team);
  boost::asio::awaitable<TeamPolicy> put_policy(Caller caller, std::string team,
                                                policy::Policy policy);

 private:
  // Blocking: the team when the caller may see it; 404 otherwise.
  Team visible(const Principal& caller, std::string_view id);
  // Blocking: visible() and team:manage in it; 403 otherwise.
  Team check_manages_members(const Principal& caller, std::string_view id);

  TeamStore& teams_;
  OrganizationStore& orgs_;
  UserStore& users_;
  SessionRevoker& sessions_;
  const Clock& clock_;
  BlockingPool& pool_;
};

}  // namespace dokkerr::users
