#pragma once
// Team and organization members as the API shows them, and the body that sets a member's role.
#include "users/membership.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace dokkerr::users {

boost::json::object membership_object(const Membership& member);
// {"role": "..."}: PUT …/members/{user}.
std::string parse_member_role(std::string_view body);

}  // namespace dokkerr::users
