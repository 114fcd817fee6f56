#pragma once
// Which teams may use which environment: granted to a team, or to an organization (then to each
// of its teams). Platform admins manage grants (the routes require environments:manage).
#include "users/grant_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Clock;
}  // namespace dokkerr

namespace dokkerr::users {

class OrganizationStore;
class TeamStore;

struct NewGrant {
  std::string grantee_type, grantee_id;
};

class GrantService {
 public:
  GrantService(GrantStore& grants, TeamStore& teams, OrganizationStore& orgs, const Clock& clock,
               BlockingPool& pool)
      : grants_(grants), teams_(teams), orgs_(orgs), clock_(clock), pool_(pool) {}

  boost::asio::awaitable<std::vector<Grant>> list(std::string environment);
  // grantee_type is team or organization (400 invalid_body); the grantee must exist (404).
  boost::asio::awaitable<void> put(std::string environment, NewGrant request);
  boost::asio::awaitable<void> remove(std::string environment, std::string grantee_type,
                                      std::string grantee_id);

 private:
  GrantStore& grants_;
  TeamStore& teams_;
  OrganizationStore& orgs_;
  const Clock& clock_;
  BlockingPool& pool_;
};

}  // namespace dokkerr::users
