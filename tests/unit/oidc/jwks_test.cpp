#include "oidc/jwks.hpp"

#include "unit/oidc/test_support.hpp"

#include <gtest/gtest.h>

namespace dokkerr::oidc {
namespace {

using namespace testing;

class JwksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new Pkey(generate_rsa(2048));
    ec_ = new Pkey(generate_p256());
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
  }
  static boost::json::object rsa(std::string_view kid = "rsa-1") { return public_jwk(*rsa_, kid); }
  static boost::json::object ec(std::string_view kid = "ec-1") { return public_jwk(*ec_, kid); }

  // The error code parsing fails with, or "" when it succeeds.
  static std::string failure(std::string_view json) {
    const auto error = error_of([&] { JwkSet::parse(json); });
    if (!error) return "";
    EXPECT_EQ(error->kind(), ErrorKind::bad_gateway);
    return error->code();
  }

 private:
  static inline Pkey* rsa_ = nullptr;
  static inline Pkey* ec_ = nullptr;
};

TEST_F(JwksTest, KeepsRsaAndP256KeysAndSkipsTheRest) {
  auto with_alg = rsa("rsa-2");
  with_alg["alg"] = "RS256";
  const boost::json::object oct{{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "hmac"}};
  const boost::json::object okp{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}};
  auto p384 = ec("p384");
  p384["crv"] = "P-384";
  auto encryption = rsa("enc");
  encryption["use"] = "enc";
  auto wrap_only = ec("wrap");
  wrap_only.erase("use");
  wrap_only["key_ops"] = boost::json::array{"wrapKey"};
  auto verify_op = ec("verify-op");
  verify_op.erase("use");
  verify_op["key_ops"] = boost::json::array{"verify"};

  const auto set = JwkSet::parse(
      jwks_json({rsa(), with_alg, ec(), oct, okp, p384, encryption, wrap_only, verify_op}));
  ASSERT_EQ(set.keys().size(), 4U);
  EXPECT_EQ(set.keys()[0].kid, "rsa-1");
  EXPECT_EQ(set.keys()[0].type, Jwk::Type::rsa);
  EXPECT_TRUE(set.keys()[0].alg.empty());
  EXPECT_EQ(set.keys()[1].alg, "RS256");
  EXPECT_EQ(set.keys()[2].type, Jwk::Type::ec_p256);
  EXPECT_EQ(set.keys()[3].kid, "verify-op");
  for (const auto& key : set.keys()) EXPECT_NE(key.key, nullptr);
}

TEST_F(JwksTest, RefusesDocumentsThatAreNoKeySet) {
  boost::json::array too_many;
  for (std::size_t i = 0; i <= kMaxJwksKeys; ++i)
    too_many.emplace_back(ec("k" + std::to_string(i)));
  for (const std::string& bad :
       {std::string(), std::string("not json"), std::string("[]"), std::string("{}"),
        std::string("{\"keys\":{}}"), std::string("{\"keys\":[]}"), std::string("{\"keys\":[1]}"),
        std::string("{\"keys\":[{\"n\":\"AQAB\"}]}"), std::string("{\"keys\":[{\"kty\":7}]}"),
        std::string(kMaxJwksBytes + 1, ' '),
        boost::json::serialize(boost::json::object{{"keys", too_many}})}) {
    EXPECT_EQ(failure(bad), "oidc_invalid_jwks") << bad.substr(0, 60);
  }
}

TEST_F(JwksTest, RefusesMalformedKeys) {
  const auto mutate = [](boost::json::object key, std::string_view member, const auto& v) {
    key[member] = v;
    return jwks_json({key});
  };
  EXPECT_EQ(failure(mutate(rsa(), "n", "not base64url!")), "oidc_invalid_jwks");
  EXPECT_EQ(failure(mutate(rsa(), "n", 12345)), "oidc_invalid_jwks");
  EXPECT_EQ(failure(mutate(rsa(), "e", "AQA")), "oidc_invalid_jwks");  // even exponent (256)
  EXPECT_EQ(failure(mutate(rsa(), "e", "AQ")), "oidc_invalid_jwks");   // exponent 1
  EXPECT_EQ(failure(mutate(rsa(), "kid", 1)), "oidc_invalid_jwks");
  EXPECT_EQ(failure(mutate(rsa(), "use", true)), "oidc_invalid_jwks");
  EXPECT_EQ(failure(mutate(rsa(), "key_ops", "verify")), "oidc_invalid_jwks");
  auto no_e = rsa();
  no_e.erase("e");
  EXPECT_EQ(failure(jwks_json({no_e})), "oidc_invalid_jwks");

  const auto x = *crypto::base64url_decode(ec().at("x").as_string());
  EXPECT_EQ(failure(mutate(ec(), "x", crypto::base64url_encode(x.substr(1)))), "oidc_invalid_jwks");
  EXPECT_EQ(failure(mutate(ec(), "x", crypto::base64url_encode('\0' + x))), "oidc_invalid_jwks");
  // 32 bytes each, but not a point on P-256.
  auto off_curve = x;
  off_curve[31] = static_cast<char>(off_curve[31] ^ 1);
  EXPECT_EQ(failure(mutate(ec(), "x", crypto::base64url_encode(off_curve))), "oidc_invalid_jwks");
  auto no_crv = ec();
  no_crv.erase("crv");
  EXPECT_EQ(failure(jwks_json({no_crv})), "oidc_invalid_jwks");
}

TEST_F(JwksTest, SkipsWeakRsaKeys) {
  const auto weak = public_jwk(generate_rsa(1024), "weak");
  EXPECT_EQ(failure(jwks_json({weak})), "oidc_invalid_jwks");  // nothing usable is left
  const auto set = JwkSet::parse(jwks_json({weak, ec()}));
  ASSERT_EQ(set.keys().size(), 1U);
  EXPECT_EQ(set.keys()[0].kid, "ec-1");
}

TEST_F(JwksTest, SkipsKeysRestrictedToAnotherAlgorithm) {
  auto rs512 = rsa();
  rs512["alg"] = "RS512";
  auto es256_on_rsa = rsa("rsa-2");
  es256_on_rsa["alg"] = "ES256";
  auto rs256_on_ec = ec();
  rs256_on_ec["alg"] = "RS256";
  EXPECT_EQ(failure(jwks_json({rs512, es256_on_rsa, rs256_on_ec})), "oidc_invalid_jwks");
}

TEST_F(JwksTest, RefusesTwoUsableKeysUnderOneKid) {
  const auto other = public_jwk(generate_p256(), "same");
  EXPECT_EQ(failure(jwks_json({ec("same"), other})), "oidc_invalid_jwks");
  // One kid for keys of different types stays unambiguous: the token's alg picks the type.
  EXPECT_EQ(failure(jwks_json({ec("same"), rsa("same")})), "");
}

}  // namespace
}  // namespace dokkerr::oidc
