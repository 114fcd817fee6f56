#include "users/organization_json.hpp"

#include "core/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::users {

boost::json::object organization_object(const Organization& org) {
  return {{"id", org.id},
          {"name", org.name},
          {"display_name", org.display_name},
          {"created_at", org.created_at}};
}

boost::json::object role_object(const CustomRole& role) {
  return {{"id", role.id},
          {"org_id", role.org_id},
          {"name", role.name},
          {"permissions", json::string_array(role.permissions)},
          {"created_at", role.created_at}};
}

std::string organization_json(const Organization& org) {
  return boost::json::serialize(organization_object(org));
}

std::string role_json(const CustomRole& role) {
  return boost::json::serialize(role_object(role));
}

NewOrganization parse_new_organization(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"name", "display_name"});
  return NewOrganization{json::required_string(object, "name"),
                         json::optional_string(object, "display_name")};
}

NewRole parse_new_role(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"name", "permissions"});
  NewRole request{json::required_string(object, "name"), std::nullopt};
  if (const auto* permissions = json::optional_array(object, "permissions")) {
    request.permissions.emplace();
    for (const auto& p : *permissions) {
      if (!p.is_string()) throw not_a_team_permission("a non-string");
      request.permissions->emplace_back(p.as_string());
    }
  }
  return request;
}

}  // namespace dokkerr::users
