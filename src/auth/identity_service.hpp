#pragma once
// The rules around accounts, organizations, teams, memberships, custom roles, team policies and
// environment grants. Objects a caller may not see answer 404, like objects that do not exist.
#include "auth/identity_store.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <memory>
#include <string>

namespace dokkerr {
class BlockingPool;
}

namespace dokkerr::auth {

class AuthService;
class SessionService;

class IdentityService {
 public:
  IdentityService(IdentityStore& store, SessionService& sessions, AuthService& auth,
                  BlockingPool& pool)
      : store_(store), sessions_(sessions), auth_(auth), pool_(pool) {}

  using Caller = std::shared_ptr<const Principal>;

  // Accounts
  boost::asio::awaitable<std::string> list_users(std::size_t limit, std::string cursor);
  boost::asio::awaitable<std::string> create_user(boost::json::object body);
  boost::asio::awaitable<std::string> get_user(Caller caller, std::string id);
  boost::asio::awaitable<std::string> update_user(Caller caller, std::string id,
                                                  boost::json::object body);
  boost::asio::awaitable<void> delete_user(Caller caller, std::string id);
  boost::asio::awaitable<std::string> me(Caller caller);
  boost::asio::awaitable<std::string> update_me(Caller caller, boost::json::object body);
  static std::string permissions_json(const Principal& caller);

  // Organizations
  boost::asio::awaitable<std::string> list_organizations(Caller caller);
  boost::asio::awaitable<std::string> create_organization(Caller caller, boost::json::object body);
  boost::asio::awaitable<std::string> get_organization(Caller caller, std::string id);
  boost::asio::awaitable<void> delete_organization(std::string id);
  boost::asio::awaitable<std::string> list_org_members(Caller caller, std::string org);
  boost::asio::awaitable<void> put_org_member(Caller caller, std::string org, std::string user,
                                              boost::json::object body);
  boost::asio::awaitable<void> remove_org_member(Caller caller, std::string org, std::string user);
  boost::asio::awaitable<std::string> list_roles(Caller caller, std::string org);
  boost::asio::awaitable<std::string> create_role(Caller caller, std::string org,
                                                  boost::json::object body);
  boost::asio::awaitable<void> delete_role(Caller caller, std::string org, std::string role);

  // Teams
  boost::asio::awaitable<std::string> list_teams(Caller caller, std::optional<std::string> org);
  boost::asio::awaitable<std::string> create_team(Caller caller, boost::json::object body);
  boost::asio::awaitable<std::string> get_team(Caller caller, std::string id);
  boost::asio::awaitable<void> delete_team(Caller caller, std::string id);
  boost::asio::awaitable<std::string> list_team_members(Caller caller, std::string team);
  boost::asio::awaitable<void> put_team_member(Caller caller, std::string team, std::string user,
                                               boost::json::object body);
  boost::asio::awaitable<void> remove_team_member(Caller caller, std::string team,
                                                  std::string user);
  boost::asio::awaitable<std::string> get_policy(Caller caller, std::string team);
  boost::asio::awaitable<std::string> put_policy(Caller caller, std::string team,
                                                 std::string body);

  // Environment grants
  boost::asio::awaitable<std::string> list_grants(std::string environment);
  boost::asio::awaitable<void> put_grant(std::string environment, boost::json::object body);
  boost::asio::awaitable<void> delete_grant(std::string environment, std::string type,
                                            std::string id);

 private:
  // The team when the caller may see it (member, org admin or platform admin); 404 otherwise.
  Team visible_team(const Principal& caller, std::string_view id);
  Organization visible_organization(const Principal& caller, std::string_view id);
  void check_role(std::string_view org_id, std::string_view role);

  IdentityStore& store_;
  SessionService& sessions_;
  AuthService& auth_;
  BlockingPool& pool_;
};

// Refuses fields outside `allowed` (400 unknown_field), so nobody can set what a route does not
// offer (e.g. {"is_admin": true} on their own profile).
void only_fields(const boost::json::object& body, std::initializer_list<std::string_view> allowed);

}  // namespace dokkerr::auth
