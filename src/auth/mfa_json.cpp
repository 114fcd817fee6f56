#include "auth/mfa_json.hpp"

#include "core/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::auth {
namespace {}  // namespace

std::string parse_mfa_code(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"code"});
  return json::required_string(object, "code");
}

MfaDisable parse_mfa_disable(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"password", "code"});
  return MfaDisable{json::required_string(object, "password"),
                    json::required_string(object, "code")};
}

std::vector<std::string> parse_mfa_requirement(std::string_view body) {
  const auto object = json::parse_object(body);
  json::only_fields(object, {"required_for"});
  const auto* roles = json::optional_array(object, "required_for");
  if (roles == nullptr) throw Error::invalid("invalid_body", "required_for is a list of roles.");
  std::vector<std::string> out;
  for (const auto& role : *roles) {
    if (!role.is_string()) throw unknown_mfa_role();
    out.emplace_back(role.as_string());
  }
  return out;
}

std::string enrolment_json(const TotpEnrolment& enrolment) {
  return boost::json::serialize(boost::json::object{{"secret", enrolment.secret_base32},
                                                    {"otpauth_uri", enrolment.otpauth_uri}});
}

std::string recovery_codes_json(const std::vector<std::string>& codes) {
  return boost::json::serialize(boost::json::object{{"recovery_codes", json::string_array(codes)}});
}

std::string mfa_requirement_json(const std::vector<std::string>& roles) {
  return boost::json::serialize(boost::json::object{{"required_for", json::string_array(roles)}});
}

}  // namespace dokkerr::auth
