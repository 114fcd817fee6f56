#pragma once
// Teams and their container policy as the API shows and takes them.
#include "users/team_service.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace dokkerr::users {

boost::json::object team_object(const Team& team);
std::string team_json(const Team& team);
// A team in a list, with my_permissions when the caller holds something in it.
boost::json::object team_listing_object(const TeamListing& listing);
std::string team_policy_json(const TeamPolicy& policy);

NewTeam parse_new_team(std::string_view body);  // POST /teams
// PUT /teams/{id}/policy: strict (policy::policy_from_json refuses unknown keys, 400).
policy::Policy parse_team_policy(std::string_view body);

}  // namespace dokkerr::users
