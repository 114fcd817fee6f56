#pragma once
// Accounts as the API shows and takes them.
#include "users/user_service.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace dokkerr::users {

// The public view of an account: never the hash, the second factor's secret or the OIDC subject.
boost::json::object user_object(const User& user);
std::string user_json(const User& user);
std::string permissions_json(const EffectivePermissions& permissions);

// Bodies (400 unknown_field for anything else, so nobody sets what a route does not offer).
NewUser parse_new_user(std::string_view body);                // POST /users
UserChanges parse_user_changes(std::string_view body);        // PATCH /users/{id}
ProfileChanges parse_profile_changes(std::string_view body);  // PATCH /me

}  // namespace dokkerr::users
