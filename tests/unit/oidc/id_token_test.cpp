#include "oidc/id_token.hpp"

#include "unit/oidc/test_support.hpp"

#include <gtest/gtest.h>

#include <ctime>

namespace dokkerr::oidc {
namespace {

using namespace testing;

constexpr std::string_view kIssuer = "https://id.example.test";
constexpr std::string_view kClient = "dokkerr";
constexpr std::string_view kNonce = "nonce-4b1d";

class IdTokenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new Pkey(generate_rsa(2048));
    ec_ = new Pkey(generate_p256());
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
  }

  static const Pkey& rsa() { return *rsa_; }
  static const Pkey& ec() { return *ec_; }

  JwkSet keys() const {
    return JwkSet::parse(jwks_json({public_jwk(rsa(), "rsa-1"), public_jwk(ec(), "ec-1")}));
  }

  boost::json::object claims() const {
    return {{"iss", kIssuer},
            {"aud", kClient},
            {"sub", "alice"},
            {"nonce", kNonce},
            {"iat", now_},
            {"exp", now_ + 300},
            {"email", "alice@example.test"},
            {"email_verified", true},
            {"name", "Alice Example"},
            {"preferred_username", "alice"},
            {"groups", boost::json::array{"platform", "qa"}}};
  }

  static boost::json::object header(std::string_view alg, std::string_view kid) {
    boost::json::object h{{"alg", alg}, {"typ", "JWT"}};
    if (!kid.empty()) h["kid"] = kid;
    return h;
  }

  std::string rs256(const boost::json::object& c) const {
    return sign_rs256(rsa(), header("RS256", "rsa-1"), c);
  }
  std::string es256(const boost::json::object& c) const {
    return sign_es256(ec(), header("ES256", "ec-1"), c);
  }

  IdTokenClaims verify(std::string_view token, std::string_view nonce = kNonce) const {
    return verify_id_token(token, keys(), kIssuer, kClient, nonce, now_);
  }

  // The error code verification fails with, or "" when it succeeds.
  std::string failure(std::string_view token, std::string_view nonce = kNonce) const {
    const auto error = error_of([&] { verify(token, nonce); });
    if (!error) return "";
    EXPECT_EQ(error->kind(), ErrorKind::unauthorized) << error->code();
    return error->code();
  }

  // The log-only reason of a failure, to tell which check refused the token.
  std::string reason(std::string_view token) const {
    const auto error = error_of([&] { verify(token); });
    return error ? error->internal() : "";
  }

  std::int64_t now_ = static_cast<std::int64_t>(std::time(nullptr));

 private:
  static inline Pkey* rsa_ = nullptr;
  static inline Pkey* ec_ = nullptr;
};

TEST_F(IdTokenTest, AcceptsRs256AndReadsTheClaims) {
  const auto out = verify(rs256(claims()));
  EXPECT_EQ(out.sub, "alice");
  EXPECT_EQ(out.email, "alice@example.test");
  EXPECT_TRUE(out.email_verified);
  EXPECT_EQ(out.name, "Alice Example");
  EXPECT_EQ(out.preferred_username, "alice");
  EXPECT_EQ(out.groups, (std::vector<std::string>{"platform", "qa"}));
  EXPECT_NE(out.raw_claims_json.find("\"sub\":\"alice\""), std::string::npos);
}

TEST_F(IdTokenTest, AcceptsEs256) {
  EXPECT_EQ(verify(es256(claims())).sub, "alice");
}

TEST_F(IdTokenTest, RefusesAlgNone) {
  const auto unsigned_token = segment(header("none", "")) + "." + segment(claims()) + ".";
  EXPECT_EQ(failure(unsigned_token), "oidc_invalid_token");
  // Even with a real signature over the same input: alg none is never looked at further.
  const auto valid = rs256(claims());
  const auto none_with_signature =
      segment(header("none", "rsa-1")) + "." + segment(claims()) + valid.substr(valid.rfind('.'));
  EXPECT_EQ(failure(none_with_signature), "oidc_invalid_token");
  EXPECT_EQ(failure(segment(header("None", "rsa-1")) + "." + segment(claims()) + ".x"),
            "oidc_invalid_token");
}

TEST_F(IdTokenTest, RefusesHs256SignedWithTheRsaPublicKey) {
  // The classic key confusion: a verifier that feeds the RSA public key to HMAC would accept.
  for (const std::string& secret : {public_key_pem(rsa()), bn_param(rsa(), OSSL_PKEY_PARAM_RSA_N),
                                    boost::json::serialize(public_jwk(rsa(), "rsa-1"))}) {
    const auto token = make_token(header("HS256", "rsa-1"), claims(), [&](std::string_view in) {
      return crypto::hmac_sha256(secret, in);
    });
    EXPECT_EQ(failure(token), "oidc_invalid_token");
    EXPECT_EQ(reason(token), "alg 'HS256' is not accepted");
  }
  for (const char* alg : {"HS384", "HS512", "PS256", "RS512", "ES384", "EdDSA"}) {
    EXPECT_EQ(failure(sign_rs256(rsa(), header(alg, "rsa-1"), claims())), "oidc_invalid_token")
        << alg;
  }
}

TEST_F(IdTokenTest, RefusesEs256SignaturesOfTheWrongLength) {
  const auto input = segment(header("ES256", "ec-1")) + "." + segment(claims());
  const auto der = openssl_sign(ec(), input);  // DER, as a careless signer would send it
  const auto jose = der_to_jose(der);
  EXPECT_EQ(failure(input + "." + crypto::base64url_encode(der)), "oidc_invalid_token");
  EXPECT_EQ(reason(input + "." + crypto::base64url_encode(der)),
            "ES256 signature of " + std::to_string(der.size()) + " bytes");
  EXPECT_EQ(failure(input + "." + crypto::base64url_encode(jose.substr(1))), "oidc_invalid_token");
  EXPECT_EQ(failure(input + "." + crypto::base64url_encode(jose + '\0')), "oidc_invalid_token");
  EXPECT_EQ(failure(input + "." + crypto::base64url_encode(std::string(64, '\0'))),
            "oidc_invalid_token");
  EXPECT_EQ(failure(input + "." + crypto::base64url_encode(jose)), "");
}

TEST_F(IdTokenTest, RefusesAnAlgThatDoesNotFitTheKeyType) {
  // Properly signed, but the header names the other type's key.
  EXPECT_EQ(failure(sign_es256(ec(), header("ES256", "rsa-1"), claims())), "oidc_invalid_token");
  EXPECT_EQ(failure(sign_rs256(rsa(), header("RS256", "ec-1"), claims())), "oidc_invalid_token");
  EXPECT_EQ(reason(sign_rs256(rsa(), header("RS256", "ec-1"), claims())),
            "alg RS256 does not fit the key type of kid 'ec-1'");
}

TEST_F(IdTokenTest, ReportsAnUnknownKidApart) {
  EXPECT_EQ(failure(sign_rs256(rsa(), header("RS256", "rotated"), claims())), "oidc_unknown_key");
  // Signed by a key that is not in the set, under a kid that is: the signature fails.
  const auto stranger = generate_p256();
  EXPECT_EQ(failure(sign_es256(stranger, header("ES256", "ec-1"), claims())), "oidc_invalid_token");
}

TEST_F(IdTokenTest, TokensWithoutKidNeedExactlyOneCandidate) {
  const auto token = sign_rs256(rsa(), header("RS256", ""), claims());
  EXPECT_EQ(failure(token), "");
  const auto other = generate_rsa(2048);
  const auto two_rsa = JwkSet::parse(jwks_json({public_jwk(rsa(), "a"), public_jwk(other, "b")}));
  const auto error =
      error_of([&] { verify_id_token(token, two_rsa, kIssuer, kClient, kNonce, now_); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), "oidc_invalid_token");
  const auto only_ec = JwkSet::parse(jwks_json({public_jwk(ec(), "")}));
  const auto unknown =
      error_of([&] { verify_id_token(token, only_ec, kIssuer, kClient, kNonce, now_); });
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->code(), "oidc_unknown_key");
}

TEST_F(IdTokenTest, ChecksTheJwkAlgAgainstTheHeader) {
  auto jwk = public_jwk(rsa(), "rsa-1");
  jwk["alg"] = "RS256";
  const auto set = JwkSet::parse(jwks_json({jwk}));
  EXPECT_NO_THROW(verify_id_token(rs256(claims()), set, kIssuer, kClient, kNonce, now_));
  // An RSA key restricted to another algorithm is not a key we can use at all.
  jwk["alg"] = "PS256";
  const auto ps = jwks_json({jwk, public_jwk(ec(), "ec-1")});
  const auto error = error_of(
      [&] { verify_id_token(rs256(claims()), JwkSet::parse(ps), kIssuer, kClient, kNonce, now_); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), "oidc_unknown_key");
}

TEST_F(IdTokenTest, RefusesAForeignAudience) {
  auto c = claims();
  c["aud"] = "someone-else";
  EXPECT_EQ(failure(rs256(c)), "oidc_audience_mismatch");
  c["aud"] = boost::json::array{"someone-else", "another"};
  EXPECT_EQ(failure(rs256(c)), "oidc_audience_mismatch");
  // Listed among several, but nobody says the token was issued to us.
  c["aud"] = boost::json::array{"someone-else", kClient};
  EXPECT_EQ(failure(rs256(c)), "oidc_audience_mismatch");
  c["azp"] = "someone-else";
  EXPECT_EQ(failure(rs256(c)), "oidc_audience_mismatch");
  c["azp"] = kClient;
  EXPECT_EQ(failure(rs256(c)), "");
  c["aud"] = kClient;
  c["azp"] = "someone-else";
  EXPECT_EQ(failure(rs256(c)), "oidc_audience_mismatch");
  c.erase("azp");
  c["aud"] = boost::json::array{kClient};
  EXPECT_EQ(failure(rs256(c)), "");
  c["aud"] = boost::json::array{};
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
  c["aud"] = 7;
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
  c.erase("aud");
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
}

TEST_F(IdTokenTest, RefusesAnotherIssuer) {
  auto c = claims();
  c["iss"] = "https://evil.example.test";
  EXPECT_EQ(failure(rs256(c)), "oidc_issuer_mismatch");
  c["iss"] = std::string(kIssuer) + "/";
  EXPECT_EQ(failure(rs256(c)), "oidc_issuer_mismatch");
  c.erase("iss");
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
}

TEST_F(IdTokenTest, RefusesExpiredTokensAfterTheLeeway) {
  auto c = claims();
  c["iat"] = now_ - 600;
  c["exp"] = now_ - kClockLeewaySeconds + 1;
  EXPECT_EQ(failure(rs256(c)), "");
  c["exp"] = now_ - kClockLeewaySeconds;
  EXPECT_EQ(failure(rs256(c)), "oidc_token_expired");
  c["exp"] = now_ - 3600;
  EXPECT_EQ(failure(rs256(c)), "oidc_token_expired");
  c["exp"] = static_cast<double>(now_ - 3600) + 0.5;
  EXPECT_EQ(failure(rs256(c)), "oidc_token_expired");
  c["exp"] = "tomorrow";
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
  c.erase("exp");
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
}

TEST_F(IdTokenTest, RefusesTokensFromTheFuture) {
  auto c = claims();
  c["iat"] = now_ + kClockLeewaySeconds;
  EXPECT_EQ(failure(rs256(c)), "");
  c["iat"] = now_ + kClockLeewaySeconds + 1;
  c["exp"] = now_ + 3600;
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
  c["iat"] = now_;
  c["nbf"] = now_ + 600;
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
  c.erase("iat");
  c.erase("nbf");
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
}

TEST_F(IdTokenTest, RefusesAnotherNonce) {
  const auto token = rs256(claims());
  EXPECT_EQ(failure(token, "nonce-of-another-login"), "oidc_nonce_mismatch");
  EXPECT_EQ(failure(token, std::string(kNonce) + "x"), "oidc_nonce_mismatch");
  EXPECT_EQ(failure(token, ""), "oidc_nonce_mismatch");
  auto c = claims();
  c.erase("nonce");
  EXPECT_EQ(failure(rs256(c)), "oidc_nonce_mismatch");
  c["nonce"] = "";
  EXPECT_EQ(failure(rs256(c), ""), "oidc_nonce_mismatch");
}

TEST_F(IdTokenTest, RefusesOversizedTokensBeforeAnyWork) {
  auto c = claims();
  c["padding"] = std::string(kMaxIdTokenBytes, 'x');
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
  c["padding"] = std::string(kMaxIdTokenBytes / 2, 'x');  // large but within the bound
  EXPECT_EQ(failure(rs256(c)), "");
}

TEST_F(IdTokenTest, RefusesTamperingAndMalformedTokens) {
  const auto token = rs256(claims());
  const auto first = token.find('.');
  const auto second = token.rfind('.');
  auto c = claims();
  c["sub"] = "mallory";
  const auto swapped = token.substr(0, first + 1) + segment(c) + token.substr(second);
  EXPECT_EQ(failure(swapped), "oidc_invalid_token");
  auto flipped = token;
  flipped[second + 5] = flipped[second + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(failure(flipped), "oidc_invalid_token");

  for (const std::string& bad :
       {std::string(), std::string("abc"), token.substr(0, second), token + ".x",
        token.substr(0, second) + ".", token + "=", "!!!." + token.substr(first + 1),
        crypto::base64url_encode("[1]") + token.substr(first),
        crypto::base64url_encode("{\"alg\":\"RS256\"") + token.substr(first),
        token.substr(0, first + 1) + crypto::base64url_encode("\"x\"") + token.substr(second)}) {
    EXPECT_EQ(failure(bad), "oidc_invalid_token") << bad.substr(0, 40);
  }
}

TEST_F(IdTokenTest, RefusesCritAndForeignTypes) {
  auto h = header("RS256", "rsa-1");
  h["crit"] = boost::json::array{"exp"};
  EXPECT_EQ(failure(sign_rs256(rsa(), h, claims())), "oidc_invalid_token");
  h = header("RS256", "rsa-1");
  h["typ"] = "at+jwt";  // an access token (RFC 9068) is no ID token
  EXPECT_EQ(failure(sign_rs256(rsa(), h, claims())), "oidc_invalid_token");
  h["typ"] = "application/JWT";
  EXPECT_EQ(failure(sign_rs256(rsa(), h, claims())), "");
  h.erase("typ");
  EXPECT_EQ(failure(sign_rs256(rsa(), h, claims())), "");
  h["kid"] = 1;
  EXPECT_EQ(failure(sign_rs256(rsa(), h, claims())), "oidc_invalid_token");
}

TEST_F(IdTokenTest, RequiresASubject) {
  auto c = claims();
  c["sub"] = "";
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
  c["sub"] = std::string(kMaxSubjectBytes + 1, 's');
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
  c["sub"] = 42;
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
  c.erase("sub");
  EXPECT_EQ(failure(rs256(c)), "oidc_invalid_token");
}

TEST_F(IdTokenTest, ProfileClaimsOfAnUnexpectedTypeCountAsAbsent) {
  auto c = claims();
  c["email_verified"] = "true";
  c["groups"] = boost::json::array{"platform", 7};
  c["name"] = boost::json::object{{"first", "Alice"}};
  auto out = verify(rs256(c));
  EXPECT_FALSE(out.email_verified);
  EXPECT_TRUE(out.groups.empty());
  EXPECT_TRUE(out.name.empty());
  c["groups"] = "platform";
  c.erase("email");
  out = verify(rs256(c));
  EXPECT_EQ(out.groups, std::vector<std::string>{"platform"});
  EXPECT_TRUE(out.email.empty());
}

}  // namespace
}  // namespace dokkerr::oidc
