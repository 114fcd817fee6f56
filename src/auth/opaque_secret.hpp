#pragma once
// The opaque secrets sign-in hands out (refresh tokens, WebSocket tickets, API keys): a
// recognizable prefix, so that leaked ones can be found by scanners, and 256 random bits. Only
// their SHA-256 is stored.
#include <string>
#include <string_view>

namespace dokkerr::auth {

inline constexpr std::string_view kRefreshTokenPrefix = "dkr_";
inline constexpr std::string_view kTicketPrefix = "dkw_";
inline constexpr std::string_view kApiKeyPrefix = "dk_";

std::string new_secret(std::string_view prefix);
// What is stored of a secret (hex SHA-256).
std::string secret_hash(std::string_view secret);
// A secret of ours as a client sent it: the prefix and at most 128 bytes. Anything else is not
// looked up at all.
bool looks_like(std::string_view secret, std::string_view prefix);

}  // namespace dokkerr::auth
