#pragma once
// Route tables of the users domain: accounts and the caller's own profile, organizations, teams
// and environment grants.
#include "http/router.hpp"

namespace dokkerr::users {

class AvatarService;
class GrantService;
class OrganizationService;
class TeamService;
class UserService;

void add_user_routes(http::Router& router, UserService& users);
void add_organization_routes(http::Router& router, OrganizationService& organizations);
void add_team_routes(http::Router& router, TeamService& teams);
void add_grant_routes(http::Router& router, GrantService& grants);
void add_avatar_routes(http::Router& router, AvatarService& avatars);

struct RouteServices {
  UserService& users;
  OrganizationService& organizations;
  TeamService& teams;
  GrantService& grants;
  AvatarService& avatars;
};

void add_routes(http::Router& router, RouteServices services);

}  // namespace dokkerr::users
