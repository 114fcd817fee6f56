#pragma once
// argon2id on its own thread pool (hashing is slow on purpose and must never hold up database
// work or I/O), with the rules for new passwords and the same cost for every sign-in attempt.
#include "users/password.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace dokkerr {
class BlockingPool;
}

namespace dokkerr::users {

class PasswordHasher {
 public:
  PasswordHasher(BlockingPool& pool, Argon2Params params);

  [[nodiscard]] const Argon2Params& params() const { return params_; }

  // Checks the rules for a new password (check_new_password), then hashes it.
  boost::asio::awaitable<std::string> hash_new(std::string password);
  // Hashes a password that just signed in, with today's parameters (no rules: it is in use).
  boost::asio::awaitable<std::string> rehash(std::string password);
  // Verifies against `encoded`, or against a dummy hash when the account has none (unknown
  // accounts, OpenID-only ones), so that every attempt costs one hash. Oversized passwords are a
  // mismatch without hashing.
  boost::asio::awaitable<PasswordCheck> verify(std::string password,
                                               std::optional<std::string> encoded);
  // verify(), true only when the account has a hash and the password matches it.
  boost::asio::awaitable<bool> matches(std::string password, std::optional<std::string> encoded);

  // How many argon2 computations ran (hashes and verifications): a stat, so tests can see that
  // every sign-in attempt pays for exactly one.
  [[nodiscard]] std::uint64_t computations() const { return computations_.load(); }

 private:
  BlockingPool& pool_;
  Argon2Params params_;
  std::string dummy_hash_;
  std::atomic<std::uint64_t> computations_{0};
};

}  // namespace dokkerr::users
