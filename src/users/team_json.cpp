#include "users/team_json.hpp"

#include "core/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::users {

boost::json::object team_object(const Team& team) {
  return {{"id", team.id},
          {"org_id", team.org_id},
          {"name", team.name},
          {"created_at", team.created_at}};
}

std::string team_json(const Team& team) {
  return boost::json::serialize(team_object(team));
}

boost::json::object team_listing_object(const TeamListing& listing) {
  auto object = team_object(listing.team);
  if (listing.my_permissions) {
    object["my_permissions"] = json::string_array(*listing.my_permissions);
  }
  return object;
}

std::string team_policy_json(const TeamPolicy& policy) {
  return boost::json::serialize(boost::json::object{
      {"team_id", policy.team_id}, {"policy", json::parse(policy::to_json(policy.policy))}});
}

NewTeam parse_new_team(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"org_id", "name"});
  return NewTeam{json::required_string(object, "org_id"), json::required_string(object, "name")};
}

policy::Policy parse_team_policy(std::string_view body) {
  return policy::policy_from_json(body);
}

}  // namespace dokkerr::users
