#include "users/user_json.hpp"

#include "core/error.hpp"
#include "core/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::users {
namespace {

boost::json::object string_lists(const std::map<std::string, std::vector<std::string>>& lists) {
  boost::json::object out;
  for (const auto& [key, items] : lists) out[key] = json::string_array(items);
  return out;
}

}  // namespace

boost::json::object user_object(const User& user) {
  boost::json::object object{
      {"id", user.id},
      {"username", user.username},
      {"email", user.email},
      {"display_name", user.display_name},
      {"avatar_url", user.avatar_url},
      {"preferences", json::parse(user.preferences_json)},
      {"is_admin", user.is_admin},
      {"disabled", user.disabled},
      {"mfa_enabled", user.mfa_enabled},
      {"auth_source", user.oidc_provider ? "oidc" : "local"},
      {"created_at", user.created_at},
      {"updated_at", user.updated_at},
  };
  if (user.last_login_at) {
    object["last_login_at"] = *user.last_login_at;
  } else {
    object["last_login_at"] = nullptr;
  }
  return object;
}

std::string user_json(const User& user) {
  return boost::json::serialize(user_object(user));
}

std::string permissions_json(const EffectivePermissions& permissions) {
  boost::json::object out;
  out["user_id"] = permissions.user_id;
  out["is_admin"] = permissions.is_admin;
  out["platform"] = json::string_array(permissions.platform);
  out["teams"] = string_lists(permissions.teams);
  out["organizations"] = string_lists(permissions.organizations);
  out["environments"] = string_lists(permissions.environments);
  if (permissions.scopes) out["scopes"] = json::string_array(*permissions.scopes);
  return boost::json::serialize(out);
}

NewUser parse_new_user(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object,
                    {"username", "password", "email", "display_name", "avatar_url", "is_admin"});
  NewUser request;
  request.username = json::required_string(object, "username");
  request.email = json::optional_string(object, "email");
  request.display_name = json::optional_string(object, "display_name");
  request.avatar_url = json::optional_string(object, "avatar_url");
  request.is_admin = json::optional_bool(object, "is_admin").value_or(false);
  request.password = json::required_string(object, "password");
  return request;
}

UserChanges parse_user_changes(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"email", "display_name", "avatar_url", "disabled", "is_admin"});
  UserChanges changes;
  changes.email = json::optional_string(object, "email");
  changes.display_name = json::optional_string(object, "display_name");
  changes.avatar_url = json::optional_string(object, "avatar_url");
  changes.disabled = json::optional_bool(object, "disabled");
  changes.is_admin = json::optional_bool(object, "is_admin");
  return changes;
}

ProfileChanges parse_profile_changes(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"email", "display_name", "avatar_url", "preferences"});
  ProfileChanges changes;
  changes.email = json::optional_string(object, "email");
  changes.display_name = json::optional_string(object, "display_name");
  changes.avatar_url = json::optional_string(object, "avatar_url");
  if (const auto* value = object.if_contains("preferences")) {
    if (!value->is_object()) throw Error::invalid("invalid_body", "preferences must be an object.");
    changes.preferences = value->as_object();
  }
  return changes;
}

}  // namespace dokkerr::users
