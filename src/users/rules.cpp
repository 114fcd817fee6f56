#include "users/rules.hpp"

#include "core/principal.hpp"

#include <algorithm>
#include <cctype>

namespace dokkerr::users {

void check_name(std::string_view field, std::string_view name) {
  const bool valid =
      !name.empty() && name.size() <= kMaxNameBytes &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
      });
  if (!valid) {
    throw Error::invalid("invalid_name", std::string(field) +
                                             " must be 1–64 characters of letters, digits, '.', "
                                             "'_' and '-'.");
  }
}

void check_text(std::string_view field, const std::optional<std::string>& text) {
  if (text && text->size() > kMaxTextBytes) {
    throw Error::invalid("invalid_body", std::string(field) + " is longer than 512 bytes.");
  }
}

void refuse_api_keys(const Principal& caller) {
  if (!caller.api_key_id.empty()) {
    throw permission_denied("API keys cannot manage the account; sign in to do this.");
  }
}

Error user_not_found() {
  return Error::not_found("user_not_found", "No such user.");
}
Error team_not_found() {
  return Error::not_found("team_not_found", "No such team.");
}
Error organization_not_found() {
  return Error::not_found("organization_not_found", "No such organization.");
}
Error permission_denied(std::string detail) {
  return {ErrorKind::forbidden, "permission_denied", std::move(detail)};
}

}  // namespace dokkerr::users
