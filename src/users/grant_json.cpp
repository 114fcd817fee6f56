#include "users/grant_json.hpp"

#include "core/json.hpp"

namespace dokkerr::users {

boost::json::object grant_object(const Grant& grant) {
  return {{"environment_id", grant.environment_id},
          {"grantee_type", grant.grantee_type},
          {"grantee_id", grant.grantee_id},
          {"created_at", grant.created_at}};
}

NewGrant parse_new_grant(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"grantee_type", "grantee_id"});
  return NewGrant{json::required_string(object, "grantee_type"),
                  json::required_string(object, "grantee_id")};
}

}  // namespace dokkerr::users
