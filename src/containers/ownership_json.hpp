#pragma once
// The JSON of PUT …/{containers|networks|volumes}/{id}/owner, shared by the three resources.
#include "containers/tenancy_service.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace dokkerr::containers {

// {"team_id":"…"}: the team an admin gives the resource to; any other field is unknown_field.
std::string owner_team_from(const boost::json::object& body);
// {"id","team_id"}.
boost::json::object to_json(const Assignment& assignment);

}  // namespace dokkerr::containers
