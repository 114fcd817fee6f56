#pragma once
// Environment grants as the API shows and takes them.
#include "users/grant_service.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace dokkerr::users {

boost::json::object grant_object(const Grant& grant);
NewGrant parse_new_grant(std::string_view body);  // POST /environments/{env}/grants

}  // namespace dokkerr::users
