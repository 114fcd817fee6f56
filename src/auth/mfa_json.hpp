#pragma once
// The second factor as the API takes and shows it.
#include "auth/mfa_service.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::auth {

struct MfaDisable {
  std::string password, code;
};

std::string parse_mfa_code(std::string_view body);    // {"code"}: POST …/totp/confirm
MfaDisable parse_mfa_disable(std::string_view body);  // POST …/totp/disable
std::vector<std::string> parse_mfa_requirement(std::string_view body);  // PUT /settings/mfa

std::string enrolment_json(const TotpEnrolment& enrolment);  // {secret, otpauth_uri}
std::string recovery_codes_json(const std::vector<std::string>& codes);
std::string mfa_requirement_json(const std::vector<std::string>& roles);  // {required_for}

}  // namespace dokkerr::auth
