#pragma once
// What the users services share: the shape of names and free text, and the answers for what a
// caller may not see (404, like what does not exist).
#include "core/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace dokkerr {
struct Principal;
}

namespace dokkerr::users {

inline constexpr std::size_t kMaxNameBytes = 64;
inline constexpr std::size_t kMaxTextBytes = 512;

// Names of organizations, teams and roles: 1–64 of [A-Za-z0-9._-]; Error invalid "invalid_name"
// naming the field otherwise.
void check_name(std::string_view field, std::string_view name);
// Free text (e-mail, display name, avatar URL): at most 512 bytes; Error invalid "invalid_body".
void check_text(std::string_view field, const std::optional<std::string>& text);

// The account itself (how it signs in, its sessions, its profile) is managed by its person, not
// by an API key: a key holds only its scopes, and none of them covers the account. 403 for API
// keys; the routes check it before they read the body.
void refuse_api_keys(const Principal& caller);

Error user_not_found();
Error team_not_found();
Error organization_not_found();
Error permission_denied(std::string detail);

}  // namespace dokkerr::users
