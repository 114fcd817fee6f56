#include "users/password_hasher.hpp"

#include "core/blocking_pool.hpp"
#include "crypto/primitives.hpp"

namespace dokkerr::users {

namespace asio = boost::asio;

PasswordHasher::PasswordHasher(BlockingPool& pool, Argon2Params params)
    : pool_(pool),
      params_(params),
      dummy_hash_(hash_password(crypto::base64url_encode(crypto::random_bytes(24)), params)) {}

asio::awaitable<std::string> PasswordHasher::hash_new(std::string password) {
  auto work = [this, password = std::move(password)] {
    check_new_password(password);
    ++computations_;
    return hash_password(password, params_);
  };
  co_return co_await pool_.run(std::move(work));
}

asio::awaitable<std::string> PasswordHasher::rehash(std::string password) {
  auto work = [this, password = std::move(password)] {
    ++computations_;
    return hash_password(password, params_);
  };
  co_return co_await pool_.run(std::move(work));
}

asio::awaitable<PasswordCheck> PasswordHasher::verify(std::string password,
                                                      std::optional<std::string> encoded) {
  if (password.size() > kMaxPasswordBytes) co_return PasswordCheck::mismatch;
  auto work = [this, &password, &encoded] {
    ++computations_;
    return verify_password(password, encoded ? *encoded : dummy_hash_, params_);
  };
  co_return co_await pool_.run(work);
}

asio::awaitable<bool> PasswordHasher::matches(std::string password,
                                              std::optional<std::string> encoded) {
  const bool has_hash = encoded.has_value();
  const auto check = co_await verify(std::move(password), std::move(encoded));
  co_return has_hash&& check != PasswordCheck::mismatch;
}

}  // namespace dokkerr::users
