#include "crypto/primitives.hpp"

#include <gtest/gtest.h>

namespace dokkerr::crypto {
namespace {

TEST(Primitives, Base64UrlRoundTripsEveryLength) {
  const std::string data = random_bytes(64);
  for (std::size_t n = 0; n <= data.size(); ++n) {
    const auto encoded = base64url_encode(data.substr(0, n));
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(base64url_decode(encoded), data.substr(0, n));
  }
}

TEST(Primitives, Base64UrlRejectsForeignAndNonCanonicalText) {
  EXPECT_EQ(base64url_decode("aGVsbG8"), "hello");
  EXPECT_EQ(base64url_decode("aGVsbG8="), "hello");
  EXPECT_FALSE(base64url_decode("aGVs bG8"));
  EXPECT_FALSE(base64url_decode("aGVsbG8+"));
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_FALSE(base64url_decode("aGVsbG9"));  // non-zero leftover bits
}

TEST(Primitives, StandardBase64NeedsPadding) {
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_FALSE(base64_decode("aGVsbG8"));
}

TEST(Primitives, HexAndDigests) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(hmac_sha256("key", "The quick brown fox jumps over the lazy dog")),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  EXPECT_EQ(hex_decode("00ff10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(hex_decode("0g"));
  EXPECT_FALSE(hex_decode("abc"));
}

TEST(Primitives, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_EQ(random_bytes(32).size(), 32U);
}

}  // namespace
}  // namespace dokkerr::crypto
