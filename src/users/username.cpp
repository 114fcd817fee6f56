#include "users/username.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cctype>

namespace dokkerr::users {

// Kept narrow so a name can never be confused with an id, a path or another user's name in
// another Unicode form.
void check_username(std::string_view username) {
  const bool valid =
      !username.empty() && username.size() <= kMaxUsernameBytes &&
      std::isalnum(static_cast<unsigned char>(username.front())) != 0 &&
      std::all_of(username.begin(), username.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
      });
  if (!valid) {
    throw Error::invalid("invalid_username",
                         "A username is 1–64 characters of letters, digits, '.', '_' and '-', "
                         "starting with a letter or digit.");
  }
}

std::string username_key(std::string_view username) {
  std::string key(username);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
}

}  // namespace dokkerr::users
