#include "users/password_hasher.hpp"

#include "unit/users/service_fixture.hpp"

#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

class PasswordHasherTest : public testing::ServiceTest {};

TEST_F(PasswordHasherTest, NewPasswordsFollowTheRulesAndUseTodaysParameters) {
  const auto hash = run(hasher.hash_new("correct horse battery"));
  EXPECT_NE(hash.find("m=1024,t=1,p=1"), std::string::npos) << hash;
  EXPECT_EQ(failure(hasher.hash_new("short")).code(), "password_too_short");
  EXPECT_EQ(failure(hasher.hash_new("password1234")).code(), "common_password");
  EXPECT_TRUE(run(hasher.matches("correct horse battery", hash)));
  EXPECT_FALSE(run(hasher.matches("correct horse batterY", hash)));
}

TEST_F(PasswordHasherTest, EveryVerificationCostsOneHashEvenWithoutAnAccount) {
  const auto hash = run(hasher.rehash("correct horse battery"));
  const auto before = hasher.computations();
  EXPECT_EQ(run(hasher.verify("correct horse battery", hash)), PasswordCheck::match);
  EXPECT_EQ(run(hasher.verify("correct horse battery", std::nullopt)), PasswordCheck::mismatch);
  EXPECT_FALSE(run(hasher.matches("correct horse battery", std::nullopt)))
      << "the dummy hash never matches an account without a password";
  EXPECT_EQ(hasher.computations() - before, 3U);
  EXPECT_EQ(run(hasher.verify(std::string(1025, 'p'), hash)), PasswordCheck::mismatch);
  EXPECT_EQ(hasher.computations() - before, 3U) << "oversized passwords never reach argon2";
}

TEST_F(PasswordHasherTest, WeakerStoredParametersAskForARehash) {
  const auto weak = hash_password("correct horse battery", Argon2Params{512, 1, 1});
  EXPECT_EQ(run(hasher.verify("correct horse battery", weak)), PasswordCheck::match_needs_rehash);
}

}  // namespace
}  // namespace dokkerr::users
