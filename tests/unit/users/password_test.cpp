#include "users/password.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

std::string rejection(std::string_view password) {
  try {
    check_new_password(password);
  } catch (const Error& error) {
    return error.code();
  }
  return "accepted";
}

// Small parameters keep the tests fast; the rules do not depend on them.
const Argon2Params kFast{1024, 1, 1};

TEST(PasswordRules, LengthIsCountedInCharactersAndBoundedInBytes) {
  EXPECT_EQ(rejection("correct horse"), "accepted");
  EXPECT_EQ(rejection("short-pass1"), "password_too_short");  // 11 characters
  EXPECT_EQ(rejection("ééééééééééé"), "password_too_short");  // 11 characters, 22 bytes
  EXPECT_EQ(rejection("éééééééééééé"), "accepted");
  std::string longest;  // 1024 bytes that are not a trivial repetition
  for (std::size_t i = 0; i < 1024; ++i) longest += "xkcd936"[i % 7];
  EXPECT_EQ(rejection(longest), "accepted");
  EXPECT_EQ(rejection(std::string(1025, 'a')), "password_too_long");
  EXPECT_EQ(rejection(std::string(1 << 20, 'a')), "password_too_long");
}

TEST(PasswordRules, InvalidUtf8AndNulAreRefused) {
  EXPECT_EQ(rejection(std::string("abcdefghijkl\xff", 13)), "invalid_password");
  EXPECT_EQ(rejection(std::string("abcdefghijkl\xc0\xaf", 14)), "invalid_password");  // overlong
  EXPECT_EQ(rejection(std::string("abcdef\0ghijklm", 14)), "invalid_password");
}

TEST(PasswordHash, VerifiesTheRightPasswordOnly) {
  const auto hash = hash_password("correct horse battery", kFast);
  EXPECT_TRUE(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
  EXPECT_EQ(verify_password("correct horse battery", hash, kFast), PasswordCheck::match);
  EXPECT_EQ(verify_password("correct horse batterY", hash, kFast), PasswordCheck::mismatch);
  EXPECT_EQ(verify_password("", hash, kFast), PasswordCheck::mismatch);
  // Nothing is truncated: a longer password with the same prefix is a different password.
  EXPECT_EQ(verify_password("correct horse battery staple", hash, kFast), PasswordCheck::mismatch);
}

TEST(PasswordHash, SaltsDifferAndWeakerParametersAskForARehash) {
  const auto a = hash_password("correct horse battery", kFast);
  const auto b = hash_password("correct horse battery", kFast);
  EXPECT_NE(a, b);
  const Argon2Params stronger{2048, 2, 1};
  EXPECT_EQ(verify_password("correct horse battery", a, stronger),
            PasswordCheck::match_needs_rehash);
  EXPECT_EQ(verify_password("wrong horse battery", a, stronger), PasswordCheck::mismatch);
}

TEST(PasswordHash, MalformedOrHostileHashesAreMismatchesNotCrashes) {
  for (const std::string_view bad :
       {"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "$argon2id$",
        "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=1024,t=999,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=x,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=1024,t=1,p=1$$"}) {
    EXPECT_EQ(verify_password("correct horse battery", bad, kFast), PasswordCheck::mismatch) << bad;
  }
}

TEST(PasswordHash, DefaultsMeetOwaspMinimum) {
  const Argon2Params defaults;
  EXPECT_GE(defaults.memory_kib, 19U * 1024U);
  EXPECT_GE(defaults.iterations, 2U);
  EXPECT_GE(defaults.parallelism, 1U);
}

}  // namespace
}  // namespace dokkerr::users

namespace dokkerr::users {
namespace {

TEST(CommonPasswords, ListedOnesAreRefusedInAnySpelling) {
  for (const auto* password : {"password1234", "Password1234", "PASSWORD1234!", "qwertyuiop123",
                               "correct horse battery staple", "Correct-Horse-Battery-Staple",
                               "aaaaaaaaaaaaaa", "abcdefghijklmnop", "zyxwvutsrqponm"}) {
    EXPECT_TRUE(is_common_password(password)) << password;
    try {
      check_new_password(password);
      ADD_FAILURE() << password << " was accepted";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), "common_password") << password;
    }
  }
}

TEST(CommonPasswords, OrdinaryPassphrasesPass) {
  for (const auto* password : {"integration admin passphrase 42", "tenant password 1234",
                               "a long passphrase", "Tr0ub4dor&3-xkcd"}) {
    EXPECT_FALSE(is_common_password(password)) << password;
    EXPECT_NO_THROW(check_new_password(password)) << password;
  }
}

}  // namespace
}  // namespace dokkerr::users
