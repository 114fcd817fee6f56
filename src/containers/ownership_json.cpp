#include "containers/ownership_json.hpp"

#include "core/json.hpp"

namespace dokkerr::containers {

std::string owner_team_from(const boost::json::object& body) {
  json::only_fields(body, {"team_id"});
  return json::required_string(body, "team_id");
}

boost::json::object to_json(const Assignment& assignment) {
  return boost::json::object{{"id", assignment.id}, {"team_id", assignment.team_id}};
}

}  // namespace dokkerr::containers
