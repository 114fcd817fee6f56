#pragma once
// Account names: what they may look like, and how two of them compare.
#include <cstddef>
#include <string>
#include <string_view>

namespace dokkerr::users {

inline constexpr std::size_t kMaxUsernameBytes = 64;

// Usernames: 1–64 of [A-Za-z0-9._-], starting with a letter or digit. Throws Error invalid
// "invalid_username" otherwise.
void check_username(std::string_view username);

// Usernames compare case-insensitively (ASCII); the key is what the UNIQUE index holds and what
// list cursors carry.
std::string username_key(std::string_view username);

}  // namespace dokkerr::users
