#include "users/membership_json.hpp"

#include "core/json.hpp"

namespace dokkerr::users {

boost::json::object membership_object(const Membership& member) {
  return {{"user_id", member.user_id}, {"username", member.username}, {"role", member.role}};
}

std::string parse_member_role(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"role"});
  return json::required_string(object, "role");
}

}  // namespace dokkerr::users
