#pragma once
// Which database writes can change who a credential stands for or what it may do: the writes
// after which cached callers and accounts must be loaded again (store/watched_database.hpp).
#include "store/watched_database.hpp"

#include <string_view>

namespace dokkerr::auth {

// The change counter the authorization caches follow.
inline constexpr std::string_view kAccessCounter = "access";

// kAccessCounter for a write to sessions, accounts, API keys, organizations, teams, their
// memberships and roles, environment grants or settings; "" for writes that cannot make a
// cached caller wrong: new rows nobody refers to yet, and the last-used and sign-in stamps.
[[nodiscard]] std::string_view access_counter(const store::WriteTarget& write);

}  // namespace dokkerr::auth
