#pragma once
// Organizations, their members and their custom roles. An organization the caller does not
// belong to (and is not a platform admin for) answers 404, like one that does not exist;
// changing it needs org:manage there.
#include "core/error.hpp"
#include "core/principal.hpp"
#include "users/organization_store.hpp"

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

class SessionRevoker;
class UserStore;

struct NewOrganization {
  std::string name;
  std::optional<std::string> display_name;
};

struct NewRole {
  std::string name;
  std::optional<std::vector<std::string>> permissions;
};

// The refusal of a permission that no custom role may hold (400 invalid_permission); `shown` is
// the permission as the client wrote it, or "a non-string".
Error not_a_team_permission(std::string_view shown);

class OrganizationService {
 public:
  using Caller = std::shared_ptr<const Principal>;

  OrganizationService(OrganizationStore& orgs, UserStore& users, SessionRevoker& sessions,
                      const Clock& clock, BlockingPool& pool)
      : orgs_(orgs), users_(users), sessions_(sessions), clock_(clock), pool_(pool) {}

  boost::asio::awaitable<std::vector<Organization>> list(Caller caller);
  // Platform admins (the routes require organizations:manage).
  boost::asio::awaitable<Organization> create(NewOrganization request);
  boost::asio::awaitable<void> remove(std::string id);
  boost::asio::awaitable<Organization> get(Caller caller, std::string id);

  boost::asio::awaitable<std::vector<Membership>> members(Caller caller, std::string org);
  // Roles owner, admin, member (400 invalid_role). Only owners (and platform admins) make
  // owners (403). The member's sessions end: what they may do changed.
  boost::asio::awaitable<void> put_member(Caller caller, std::string org, std::string user,
                                          std::string role);
  boost::asio::awaitable<void> remove_member(Caller caller, std::string org, std::string user);

  boost::asio::awaitable<std::vector<CustomRole>> roles(Caller caller, std::string org);
  // 1–64 permissions, team permissions only (custom roles never reach platform power).
  boost::asio::awaitable<CustomRole> create_role(Caller caller, std::string org, NewRole request);
  boost::asio::awaitable<void> remove_role(Caller caller, std::string org, std::string role);

 private:
  // Blocking: the organization when the caller may see it; 404 otherwise.
  Organization visible(const Principal& caller, std::string_view id);
  // Blocking: visible() and org:manage there; 404 otherwise (managing is not shown to those
  // who cannot).
  void check_manages(const Principal& caller, std::string_view id);

  OrganizationStore& orgs_;
  UserStore& users_;
  SessionRevoker& sessions_;
  const Clock& clock_;
  BlockingPool& pool_;
};

}  // namespace dokkerr::users
