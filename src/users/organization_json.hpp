#pragma once
// Organizations and their custom roles as the API shows and takes them.
#include "users/organization_service.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace dokkerr::users {

boost::json::object organization_object(const Organization& org);
boost::json::object role_object(const CustomRole& role);
std::string organization_json(const Organization& org);
std::string role_json(const CustomRole& role);

NewOrganization parse_new_organization(std::string_view body);  // POST /organizations
NewRole parse_new_role(std::string_view body);                  // POST …/roles

}  // namespace dokkerr::users
