#pragma once
// A user's place in a team or an organization, as the member lists show it.
#include <string>

namespace dokkerr::users {

struct Membership {
  std::string scope_id;  // the team or organization id
  std::string user_id, username;
  // Team roles: admin, developer, operator, viewer or "role:<custom role id>"; organization
  // roles: owner, admin, member.
  std::string role;
};

}  // namespace dokkerr::users
