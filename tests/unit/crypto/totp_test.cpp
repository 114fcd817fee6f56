#include "crypto/totp.hpp"

#include "crypto/primitives.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <set>

namespace dokkerr::crypto {
namespace {

// RFC 6238 Appendix B, SHA-1 rows: the 8-digit values reduced to 6 digits (the last six, since
// truncation is the binary value modulo 10^digits).
constexpr std::string_view kRfcSecret = "12345678901234567890";
constexpr std::array<std::pair<std::int64_t, std::string_view>, 6> kRfcVectors = {{
    {59, "287082"},
    {1111111109, "081804"},
    {1111111111, "050471"},
    {1234567890, "005924"},
    {2000000000, "279037"},
    {20000000000, "353130"},
}};

TEST(Totp, MatchesTheRfc6238TestVectors) {
  for (const auto& [time, code] : kRfcVectors) {
    EXPECT_EQ(totp_code(kRfcSecret, time), code) << time;
    EXPECT_EQ(verify_totp(kRfcSecret, code, time, -1), time / 30) << time;
  }
}

TEST(Totp, AcceptsEachCodeOnce) {
  const std::int64_t now = 1111111111;
  const auto step = verify_totp(kRfcSecret, "050471", now, -1);
  ASSERT_EQ(step, now / 30);
  EXPECT_EQ(verify_totp(kRfcSecret, "050471", now, *step), std::nullopt);
  EXPECT_EQ(verify_totp(kRfcSecret, "050471", now + 20, *step), std::nullopt);
  // The next step's code is fine once its time has come.
  const std::string next = totp_code(kRfcSecret, now + 30);
  EXPECT_EQ(verify_totp(kRfcSecret, next, now + 30, *step), *step + 1);
}

TEST(Totp, ToleratesOneStepOfSkewEitherWay) {
  const std::string secret = new_totp_secret();
  const std::int64_t now = 1'800'000'015;
  const std::int64_t step = now / 30;
  EXPECT_EQ(verify_totp(secret, totp_code(secret, now - 30), now, -1), step - 1);
  EXPECT_EQ(verify_totp(secret, totp_code(secret, now + 30), now, -1), step + 1);
  EXPECT_EQ(verify_totp(secret, totp_code(secret, now), now, -1), step);
  const std::string two_behind = totp_code(secret, now - 60);
  const std::string two_ahead = totp_code(secret, now + 60);
  // Codes repeat by chance (one in a million); only test when they differ from the window.
  std::set<std::string> window = {totp_code(secret, now - 30), totp_code(secret, now),
                                  totp_code(secret, now + 30)};
  if (window.count(two_behind) == 0) {
    EXPECT_EQ(verify_totp(secret, two_behind, now, -1), std::nullopt);
  }
  if (window.count(two_ahead) == 0) {
    EXPECT_EQ(verify_totp(secret, two_ahead, now, -1), std::nullopt);
  }
  // After a code from the step ahead was used, the current step's code is a replay.
  EXPECT_EQ(verify_totp(secret, totp_code(secret, now), now, step + 1), std::nullopt);
  EXPECT_EQ(verify_totp(secret, totp_code(secret, now - 30), now, step - 1), std::nullopt);
}

TEST(Totp, AClockFiveMinutesOffIsRefusedNotGuessedAt) {
  const std::string secret = "12345678901234567890";
  constexpr std::int64_t kNow = 1'700'000'010;
  for (const std::int64_t skew : {-300, 300}) {
    EXPECT_FALSE(verify_totp(secret, totp_code(secret, kNow + skew), kNow, -1)) << skew;
  }
  for (const std::int64_t skew : {-30, 30}) {
    EXPECT_TRUE(verify_totp(secret, totp_code(secret, kNow + skew), kNow, -1)) << skew;
  }
}

TEST(Totp, RefusesAnythingButSixDigits) {
  const std::int64_t now = 59;
  for (const std::string code :
       {"", "28708", "2870820", "28708a", " 287082", "287082 ", "287 082", "-28708", "２87082"}) {
    EXPECT_EQ(verify_totp(kRfcSecret, code, now, -1), std::nullopt) << code;
  }
  EXPECT_EQ(verify_totp(kRfcSecret, "287083", now, -1), std::nullopt);
  EXPECT_EQ(verify_totp("another secret 12345", "287082", now, -1), std::nullopt);
  EXPECT_EQ(verify_totp(kRfcSecret, "287082", -1, -1), std::nullopt);
}

TEST(Totp, SecretsAndProvisioningUris) {
  const std::string secret = new_totp_secret();
  EXPECT_EQ(secret.size(), 20U);
  EXPECT_NE(new_totp_secret(), secret);

  // RFC 4648 §10.
  EXPECT_EQ(base32_encode(""), "");
  EXPECT_EQ(base32_encode("f"), "MY======");
  EXPECT_EQ(base32_encode("fo"), "MZXQ====");
  EXPECT_EQ(base32_encode("foob"), "MZXW6YQ=");
  EXPECT_EQ(base32_encode("foobar"), "MZXW6YTBOI======");
  EXPECT_EQ(base32_encode(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");

  EXPECT_EQ(otpauth_uri("Dokkerr Test", "alice@example.com", kRfcSecret),
            "otpauth://totp/Dokkerr%20Test:alice%40example.com"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Dokkerr%20Test"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(otpauth_uri("A:B&C", "x:y/z?", "f"),
            "otpauth://totp/A%3AB%26C:x%3Ay%2Fz%3F?secret=MY&issuer=A%3AB%26C"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_THAT(otpauth_uri("Dökkerr", "bob", "f"), ::testing::HasSubstr("/D%C3%B6kkerr:bob?"));
}

TEST(RecoveryCodes, AreRandomWellFormedAndHashAfterNormalizing) {
  const auto codes = new_recovery_codes();
  ASSERT_EQ(codes.size(), 10U);
  std::set<std::string> distinct;
  for (const auto& code : codes) {
    EXPECT_THAT(code, ::testing::MatchesRegex("[a-km-np-z2-9]{5}-[a-km-np-z2-9]{5}")) << code;
    distinct.insert(code);
  }
  EXPECT_EQ(distinct.size(), codes.size());
  EXPECT_EQ(new_recovery_codes(3).size(), 3U);
  EXPECT_TRUE(new_recovery_codes(0).empty());

  const std::string hash = recovery_code_hash("k3n7q-x8m2p");
  EXPECT_EQ(hash, sha256_hex("k3n7qx8m2p"));
  EXPECT_EQ(recovery_code_hash("K3N7Q X8M2P"), hash);
  EXPECT_EQ(recovery_code_hash(" k3n7qx8m2p\t"), hash);
  EXPECT_EQ(recovery_code_hash("k3n7q--x8m2p"), hash);
  EXPECT_NE(recovery_code_hash("k3n7q-x8m2q"), hash);
}

TEST(RecoveryCodes, UseTheWholeAlphabet) {
  // 2000 codes × 10 letters: every one of the 32 letters shows up unless the generator is biased
  // or truncated (the chance that a fair one misses a letter is about 32 × e^-625).
  std::set<char> seen;
  for (const auto& code : new_recovery_codes(2000)) seen.insert(code.begin(), code.end());
  seen.erase('-');
  EXPECT_EQ(seen.size(), 32U);
}

}  // namespace
}  // namespace dokkerr::crypto
