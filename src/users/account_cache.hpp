#pragma once
// Accounts as the per-request paths read them (the authenticator, GET /me), kept in memory and
// dropped on every committed change to access data (auth/access_changes.hpp). Entries hold no
// password hash and no second-factor secret: code that needs those reads the store.
#include "core/expiring_cache.hpp"
#include "users/user_store.hpp"

#include <chrono>
#include <memory>

namespace dokkerr::users {

using AccountCache = ExpiringCache<User>;

// How long a cached account may be served without a change being seen (a backstop: changes made
// through the database are seen at once on this replica, within a second on others).
inline constexpr std::chrono::seconds kAccountCacheLife{60};

inline void remember_account(AccountCache& cache, User user, std::uint64_t loaded_in,
                             TimePoint now) {
  user.password_hash.reset();
  user.mfa_secret.reset();
  auto key = user.id;
  cache.insert(std::move(key), std::make_shared<const User>(std::move(user)),
               now + kAccountCacheLife, loaded_in, now);
}

}  // namespace dokkerr::users
