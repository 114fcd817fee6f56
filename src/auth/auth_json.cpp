#include "auth/auth_json.hpp"

#include "core/json.hpp"
#include "http/client_info.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::auth {

ClientInfo client_of(const http::RequestContext& context) { return http::client_of(context); }

SetupRequest parse_setup(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"setup_token", "username", "password"});
  return SetupRequest{json::required_string(object, "setup_token"),
                      json::required_string(object, "username"),
                      json::required_string(object, "password")};
}

LoginRequest parse_login(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"username", "password", "totp_code", "recovery_code"});
  return LoginRequest{
      json::required_string(object, "username"), json::required_string(object, "password"),
      json::optional_string(object, "totp_code"), json::optional_string(object, "recovery_code")};
}

std::string parse_refresh(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"refresh_token"});
  return json::required_string(object, "refresh_token");
}

PasswordChange parse_password_change(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"current_password", "new_password"});
  return PasswordChange{json::required_string(object, "current_password"),
                        json::required_string(object, "new_password")};
}

std::string parse_ticket_request(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"path"});
  return json::required_string(object, "path");
}

std::string setup_status_json(bool pending) {
  return boost::json::serialize(boost::json::object{{"setup_required", pending}});
}

std::string token_pair_json(const TokenPair& pair) {
  return boost::json::serialize(boost::json::object{{"access_token", pair.access_token},
                                                    {"refresh_token", pair.refresh_token},
                                                    {"token_type", "Bearer"},
                                                    {"expires_in", pair.expires_in}});
}

std::string ticket_json(const Ticket& ticket) {
  return boost::json::serialize(boost::json::object{
      {"ticket", ticket.value}, {"path", ticket.path}, {"expires_in", ticket.expires_in}});
}

}  // namespace dokkerr::auth
