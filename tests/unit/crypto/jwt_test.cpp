#include "crypto/jwt.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>

namespace dokkerr::crypto {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kOverlap = 3600;

JwtClaims good_claims(std::int64_t now = kNow) {
  return {"dokkerr", "dokkerr-api", "user-1", "session-1", "access", now, now + 900};
}

JwtExpectations expect_at(std::int64_t now = kNow) {
  JwtExpectations e;
  e.issuer = "dokkerr";
  e.audience = "dokkerr-api";
  e.type = "access";
  e.now = now;
  return e;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777U;
}

std::string header_json(std::string_view alg, std::string_view kid) {
  return R"({"alg":")" + std::string(alg) + R"(","typ":"JWT","kid":")" + std::string(kid) + R"("})";
}

// The payload sign() would write, with fields replaceable for the hostile cases.
std::string payload_json(std::int64_t iat = kNow, std::int64_t exp = kNow + 900) {
  return R"({"iss":"dokkerr","aud":"dokkerr-api","sub":"user-1","sid":"session-1","typ":"access","iat":)" +
         std::to_string(iat) + R"(,"exp":)" + std::to_string(exp) + "}";
}

std::string hs256_secret(const fs::path& dir, const std::string& kid) {
  std::string text = read_file(dir / (kid + ".key"));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return hex_decode(text).value();
}

std::string hs256_token(std::string_view header, std::string_view payload,
                        std::string_view secret) {
  const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(hmac_sha256(secret, input));
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey read_pem_key(const fs::path& file) {
  const std::string pem = read_file(file);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Pkey key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

std::string ed25519_signature(EVP_PKEY* key, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string signature(64, '\0');
  std::size_t length = signature.size();
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  return signature;
}

std::string eddsa_token(std::string_view header, std::string_view payload, EVP_PKEY* key) {
  const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(ed25519_signature(key, input));
}

// Expects refusal as invalid_token, for the given reason (so that a hostile case cannot pass by
// failing somewhere the test did not mean).
void expect_refused(const JwtKeyRing& ring, std::string_view token, std::string_view reason,
                    const JwtExpectations& expect = expect_at()) {
  try {
    (void)ring.verify(token, expect);
    ADD_FAILURE() << "accepted: " << token;
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::unauthorized) << token;
    EXPECT_EQ(error.code(), "invalid_token") << token;
    EXPECT_EQ(error.detail(), "The token is not valid.");
    EXPECT_THAT(error.internal(), HasSubstr(reason)) << token;
  }
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("dokkerr-jwt-" + hex_encode(random_bytes(8)));
    fs::create_directories(root_);
    fs::permissions(root_, fs::perms::owner_all);
    dir_ = root_ / "keys";
  }
  void TearDown() override { fs::remove_all(root_); }

  [[nodiscard]] std::size_t count_files(std::string_view extension) const {
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().extension() == extension) ++n;
    }
    return n;
  }

  fs::path root_;
  fs::path dir_;
};

TEST_F(JwtTest, Hs256SignsAndVerifiesWhatItSigns) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  EXPECT_EQ(ring.algorithm(), JwtAlgorithm::hs256);
  const std::string kid = ring.current_kid();
  EXPECT_THAT(kid, ::testing::MatchesRegex("[0-9a-f]{16}"));

  const std::string token = ring.sign(good_claims());
  const auto claims = ring.verify(token, expect_at());
  EXPECT_EQ(claims.iss, "dokkerr");
  EXPECT_EQ(claims.aud, "dokkerr-api");
  EXPECT_EQ(claims.sub, "user-1");
  EXPECT_EQ(claims.sid, "session-1");
  EXPECT_EQ(claims.typ, "access");
  EXPECT_EQ(claims.iat, kNow);
  EXPECT_EQ(claims.exp, kNow + 900);

  const auto header = base64url_decode(token.substr(0, token.find('.')));
  EXPECT_EQ(header, header_json("HS256", kid));
  // The hand-made token equals sign()'s, so the hostile variants below differ in one thing only.
  EXPECT_EQ(hs256_token(header_json("HS256", kid), payload_json(), hs256_secret(dir_, kid)), token);

  EXPECT_EQ(mode_of(dir_), 0700U);
  EXPECT_EQ(mode_of(dir_ / (kid + ".key")), 0600U);
  EXPECT_EQ(mode_of(dir_ / (kid + ".json")), 0600U);
  EXPECT_THAT(read_file(dir_ / (kid + ".key")), ::testing::MatchesRegex("[0-9a-f]{64}\n"));
  EXPECT_EQ(ring.public_jwks(), R"({"keys":[]})");
}

TEST_F(JwtTest, EdDsaSignsVerifiesAndPublishesItsPublicKey) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::eddsa, kNow, kOverlap);
  EXPECT_EQ(ring.algorithm(), JwtAlgorithm::eddsa);
  const std::string kid = ring.current_kid();
  const std::string token = ring.sign(good_claims());
  EXPECT_EQ(ring.verify(token, expect_at()).sub, "user-1");
  EXPECT_EQ(base64url_decode(token.substr(0, token.find('.'))), header_json("EdDSA", kid));

  const fs::path key_file = dir_ / (kid + ".key");
  EXPECT_THAT(read_file(key_file), HasSubstr("-----BEGIN PRIVATE KEY-----"));
  EXPECT_EQ(mode_of(key_file), 0600U);
  const Pkey key = read_pem_key(key_file);
  ASSERT_TRUE(key);
  EXPECT_EQ(eddsa_token(header_json("EdDSA", kid), payload_json(), key.get()), token);

  std::array<unsigned char, 32> raw{};
  std::size_t length = raw.size();
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(key.get(), raw.data(), &length), 1);
  const std::string x = base64url_encode({reinterpret_cast<const char*>(raw.data()), raw.size()});
  EXPECT_EQ(ring.public_jwks(), R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":")" + kid +
                                    R"(","x":")" + x + R"(","alg":"EdDSA","use":"sig"}]})");
}

TEST_F(JwtTest, RefusesAlgNoneInEverySpelling) {
  for (const auto algorithm : {JwtAlgorithm::hs256, JwtAlgorithm::eddsa}) {
    fs::remove_all(dir_);
    const auto ring = JwtKeyRing::load_or_create(dir_, algorithm, kNow, kOverlap);
    const std::string kid = ring.current_kid();
    const std::string payload = base64url_encode(payload_json());
    for (const std::string alg : {"none", "None", "NONE", "nOnE", ""}) {
      const std::string unsigned_token = base64url_encode(header_json(alg, kid)) + "." + payload;
      expect_refused(ring, unsigned_token + ".", "empty segment");  // the usual "none" form
      expect_refused(ring, unsigned_token + "." + base64url_encode("x"),
                     "alg is not the configured algorithm");
      expect_refused(ring, unsigned_token, "not three segments");
    }
    const std::string no_alg = base64url_encode(R"({"typ":"JWT","kid":")" + kid + R"("})");
    const std::string rest = "." + payload + "." + base64url_encode("x");
    expect_refused(ring, no_alg + rest, "alg missing");
    const std::string null_alg =
        base64url_encode(R"({"alg":null,"typ":"JWT","kid":")" + kid + R"("})");
    expect_refused(ring, null_alg + rest, "header parameter is not a string");
  }
}

TEST_F(JwtTest, RefusesAnAlgorithmOtherThanTheConfiguredOne) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::eddsa, kNow, kOverlap);
  const std::string kid = ring.current_kid();
  // The classic confusion: HS256 "signed" with the Ed25519 public key as the HMAC secret, in
  // both forms a verifier might have at hand.
  const std::string jwks = ring.public_jwks();
  const auto x_at = jwks.find(R"("x":")") + 5;
  const std::string public_raw = base64url_decode(jwks.substr(x_at, 43)).value();
  ASSERT_EQ(public_raw.size(), 32U);
  expect_refused(ring, hs256_token(header_json("HS256", kid), payload_json(), public_raw),
                 "alg is not the configured algorithm");
  expect_refused(ring, hs256_token(header_json("HS256", kid), payload_json(), jwks),
                 "alg is not the configured algorithm");
  for (const std::string alg : {"HS512", "RS256", "ES256", "eddsa", "EDDSA", "Ed25519"}) {
    expect_refused(ring, hs256_token(header_json(alg, kid), payload_json(), public_raw),
                   "alg is not the configured algorithm");
  }

  // And the other way round: an EdDSA token on an HS256 ring.
  const fs::path other = root_ / "hs";
  const auto hs_ring = JwtKeyRing::load_or_create(other, JwtAlgorithm::hs256, kNow, kOverlap);
  const Pkey ed_key = read_pem_key(dir_ / (kid + ".key"));
  expect_refused(
      hs_ring,
      eddsa_token(header_json("EdDSA", hs_ring.current_kid()), payload_json(), ed_key.get()),
      "alg is not the configured algorithm");
  expect_refused(hs_ring,
                 hs256_token(header_json("hs256", hs_ring.current_kid()), payload_json(),
                             hs256_secret(other, hs_ring.current_kid())),
                 "alg is not the configured algorithm");
}

TEST_F(JwtTest, RefusesMissingUnknownAndMalformedKids) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string secret = hs256_secret(dir_, ring.current_kid());
  const std::string payload = payload_json();
  expect_refused(ring,
                 hs256_token(header_json("HS256", hex_encode(random_bytes(8))), payload, secret),
                 "unknown kid");
  expect_refused(ring, hs256_token(header_json("HS256", ring.current_kid() + "0"), payload, secret),
                 "unknown kid");
  for (const std::string& kid :
       std::vector<std::string>{"../../etc/passwd", "../" + ring.current_kid(), "a/b", "a\\\\b",
                                "a.key", "", std::string(65, 'a'), "k\\u0000"}) {
    expect_refused(ring, hs256_token(header_json("HS256", kid), payload, secret), "kid malformed");
  }
  expect_refused(ring, hs256_token(header_json("HS256", std::string(64, 'a')), payload, secret),
                 "unknown kid");  // 64 is the longest kid still looked up
  expect_refused(ring, hs256_token(R"({"alg":"HS256","typ":"JWT"})", payload, secret),
                 "kid missing");
  expect_refused(ring, hs256_token(R"({"alg":"HS256","typ":"JWT","kid":7})", payload, secret),
                 "header parameter is not a string");
}

TEST_F(JwtTest, RefusesHeaderParametersItDoesNotWrite) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string kid = ring.current_kid();
  const std::string secret = hs256_secret(dir_, kid);
  const std::string start = R"({"alg":"HS256","typ":"JWT","kid":")" + kid + R"(")";
  for (const std::string extra :
       {R"(,"crit":["exp"])", R"(,"crit":[])", R"(,"jku":"https://evil.example/jwks")",
        R"(,"jwk":{"kty":"oct","k":"AAAA"})", R"(,"x5u":"https://evil.example")", R"(,"b64":false)",
        R"(,"cty":"JWT")", R"(,"zip":"DEF")"}) {
    expect_refused(ring, hs256_token(start + extra + "}", payload_json(), secret),
                   "unexpected header parameter");
  }
  expect_refused(ring, hs256_token(start + R"(,"alg":"HS256"})", payload_json(), secret),
                 "header is not a JSON object with distinct keys");
  expect_refused(ring, hs256_token(start + R"(,"kid":")" + kid + R"("})", payload_json(), secret),
                 "header is not a JSON object with distinct keys");
  expect_refused(ring, hs256_token(start + R"(,"\u0061lg":"none"})", payload_json(), secret),
                 "header is not a JSON object with distinct keys");
  expect_refused(
      ring,
      hs256_token(R"({"alg":"HS256","typ":"JWS","kid":")" + kid + R"("})", payload_json(), secret),
      "header typ is not JWT");
  // typ may be left out; nothing else may.
  EXPECT_NO_THROW((void)ring.verify(
      hs256_token(R"({"alg":"HS256","kid":")" + kid + R"("})", payload_json(), secret),
      expect_at()));
}

TEST_F(JwtTest, RefusesWrongSegmentCounts) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string token = ring.sign(good_claims());
  const auto first = token.find('.');
  const auto last = token.rfind('.');
  expect_refused(ring, "", "not three segments");
  expect_refused(ring, token.substr(0, last), "not three segments");
  expect_refused(ring, token.substr(0, first), "not three segments");
  expect_refused(ring, token + ".", "not three segments");
  expect_refused(ring, token + "." + token.substr(last + 1), "not three segments");
  expect_refused(ring, "..", "empty segment");
  expect_refused(ring, token.substr(0, first) + ".." + token.substr(last + 1), "empty segment");
  expect_refused(ring, token.substr(first), "empty segment");
}

TEST_F(JwtTest, RefusesNonCanonicalBase64url) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string token = ring.sign(good_claims());
  const auto last = token.rfind('.');
  // Padding, which base64url_decode alone would accept.
  expect_refused(ring, token + "=", "padded base64url");
  expect_refused(ring, token.substr(0, last) + "=" + token.substr(last), "padded base64url");
  // The 43rd signature character carries 4 bits and 2 zero bits; setting one of those keeps the
  // bytes but changes the text.
  std::string trailing = token;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  trailing.back() = alphabet[alphabet.find(trailing.back()) ^ 1U];
  expect_refused(ring, trailing, "signature is not canonical base64url");
  // Standard-alphabet characters and whitespace.
  std::string standard = token;
  standard[last + 1] = '+';
  expect_refused(ring, standard, "signature is not canonical base64url");
  std::string spaced = token;
  spaced.insert(3, " ");
  expect_refused(ring, spaced, "header is not canonical base64url");
  std::string slashed = token;
  slashed[1] = '/';
  expect_refused(ring, slashed, "header is not canonical base64url");
  // A payload segment that is signed correctly but spelled non-canonically (the same bytes as
  // the canonical text decode to): the signature covers the text, the check covers the spelling.
  const std::string kid = ring.current_kid();
  std::string payload_text = base64url_encode(payload_json() + "  ");  // 2 mod 3 → spare bits
  payload_text.back() = alphabet[alphabet.find(payload_text.back()) ^ 1U];
  const std::string input = base64url_encode(header_json("HS256", kid)) + "." + payload_text;
  expect_refused(ring, input + "." + base64url_encode(hmac_sha256(hs256_secret(dir_, kid), input)),
                 "payload is not canonical base64url");
}

TEST_F(JwtTest, RefusesOversizeTokensBeforeLookingAtThem) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string kid = ring.current_kid();
  const std::string secret = hs256_secret(dir_, kid);
  auto with_filler = [&](std::size_t n) {
    std::string payload = payload_json();
    payload.insert(1, R"("filler":")" + std::string(n, 'x') + R"(",)");
    return hs256_token(header_json("HS256", kid), payload, secret);
  };
  // Each filler byte adds 4/3 of a character; start just below the limit and step up.
  std::size_t n = (8192 - with_filler(0).size()) * 3 / 4 - 4;
  while (with_filler(n + 1).size() <= 8192) ++n;
  EXPECT_LE(with_filler(n).size(), 8192U);
  EXPECT_GT(with_filler(n).size(), 8188U);
  EXPECT_EQ(ring.verify(with_filler(n), expect_at()).sub, "user-1");  // extra claims are ignored
  expect_refused(ring, with_filler(n + 1), "longer than 8 KiB");
  expect_refused(ring, std::string(1U << 20U, 'A'), "longer than 8 KiB");
}

TEST_F(JwtTest, RefusesBadJson) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string kid = ring.current_kid();
  const std::string secret = hs256_secret(dir_, kid);
  const std::string header = header_json("HS256", kid);
  for (const std::string& bad_header : std::vector<std::string>{
           "{", "[]", R"(["alg","HS256"])", "\"HS256\"", "null", header + "x", header + header,
           header.substr(0, header.size() - 1) + ",}", "/*c*/" + header,
           header.substr(0, 1) + " \"alg\" : \"HS256\"\t,\n\"kid\":\"" + kid + "\" }"}) {
    const std::string token = hs256_token(bad_header, payload_json(), secret);
    if (bad_header.find("\t,") != std::string::npos) {
      // Whitespace is JSON; the parser is strict, not picky.
      EXPECT_NO_THROW((void)ring.verify(token, expect_at())) << bad_header;
      continue;
    }
    expect_refused(ring, token, "header is not a JSON object with distinct keys");
  }
  const std::string payload = payload_json();
  for (const std::string& bad_payload : std::vector<std::string>{
           "{", "[]", "42", payload + "{}", payload.substr(0, payload.size() - 1) + ",}",
           payload.substr(0, payload.size() - 1) + ",\"x\":\"\xff\"}", "{'iss':'dokkerr'}",
           payload.substr(0, payload.size() - 1) + "//c\n}"}) {
    expect_refused(ring, hs256_token(header, bad_payload, secret),
                   "payload is not a JSON object with distinct keys");
  }
}

TEST_F(JwtTest, RefusesDuplicateClaims) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string kid = ring.current_kid();
  const std::string secret = hs256_secret(dir_, kid);
  const std::string payload = payload_json();
  const std::string open = payload.substr(0, payload.size() - 1);
  for (const std::string extra : {R"(,"sub":"admin"})", R"(,"s\u0075b":"admin"})",
                                  R"(,"exp":99999999999})", R"(,"x":1,"x":2})"}) {
    expect_refused(ring, hs256_token(header_json("HS256", kid), open + extra, secret),
                   "payload is not a JSON object with distinct keys");
  }
}

TEST_F(JwtTest, RefusesClaimsOfTheWrongType) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string kid = ring.current_kid();
  const std::string secret = hs256_secret(dir_, kid);
  const std::string base =
      R"({"iss":"dokkerr","aud":"dokkerr-api","sub":"user-1","sid":"session-1","typ":"access")";
  const std::string times = R"(,"iat":1800000000,"exp":1800000900})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {base + R"(,"iat":"1800000000","exp":1800000900})", "claim iat is not an integer"},
      {base + R"(,"iat":1800000000,"exp":1.8000009e9})", "claim exp is not an integer"},
      {base + R"(,"iat":1800000000,"exp":1800000900.0})", "claim exp is not an integer"},
      {base + R"(,"iat":1800000000,"exp":18446744073709551615})", "claim exp is not an integer"},
      {base + R"(,"iat":1800000000,"exp":true})", "claim exp is not an integer"},
      {base + R"(,"iat":null,"exp":1800000900})", "claim iat is not an integer"},
      {R"({"iss":"dokkerr","aud":["dokkerr-api"],"sub":"user-1","sid":"session-1","typ":"access")" +
           times,
       "claim aud is not a string"},
      {R"({"iss":"dokkerr","aud":["dokkerr-api","other"],"sub":"user-1","sid":"session-1","typ":"access")" +
           times,
       "claim aud is not a string"},
      {R"({"iss":"dokkerr","aud":"dokkerr-api","sub":1,"sid":"session-1","typ":"access")" + times,
       "claim sub is not a string"},
      {R"({"iss":null,"aud":"dokkerr-api","sub":"user-1","sid":"session-1","typ":"access")" + times,
       "claim iss is not a string"},
      {R"({"iss":"dokkerr","aud":"dokkerr-api","sub":"user-1","sid":{"id":"s"},"typ":"access")" +
           times,
       "claim sid is not a string"},
      {R"({"iss":"dokkerr","aud":"dokkerr-api","sub":"user-1","sid":"session-1","typ":["access"])" +
           times,
       "claim typ is not a string"},
  };
  for (const auto& [payload, reason] : cases) {
    expect_refused(ring, hs256_token(header_json("HS256", kid), payload, secret), reason);
  }
}

TEST_F(JwtTest, RefusesTokensMissingAnyClaim) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string kid = ring.current_kid();
  const std::string secret = hs256_secret(dir_, kid);
  const std::vector<std::string> members = {
      R"("iss":"dokkerr")", R"("aud":"dokkerr-api")", R"("sub":"user-1")",  R"("sid":"session-1")",
      R"("typ":"access")",  R"("iat":1800000000)",    R"("exp":1800000900)"};
  for (std::size_t skip = 0; skip < members.size(); ++skip) {
    std::string payload = "{";
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i == skip) continue;
      payload += (payload.size() > 1 ? "," : "") + members[i];
    }
    payload += "}";
    expect_refused(ring, hs256_token(header_json("HS256", kid), payload, secret),
                   "a required claim is missing");
  }
}

TEST_F(JwtTest, RefusesAnotherIssuerAudienceOrTokenType) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string token = ring.sign(good_claims());
  auto expect = expect_at();
  expect.issuer = "someone-else";
  expect_refused(ring, token, "wrong iss", expect);
  expect = expect_at();
  expect.audience = "dokkerr-api-2";
  expect_refused(ring, token, "wrong aud", expect);
  expect = expect_at();
  expect.type = "refresh";
  expect_refused(ring, token, "wrong typ", expect);

  const std::string kid = ring.current_kid();
  const std::string secret = hs256_secret(dir_, kid);
  std::string payload = payload_json();
  payload.replace(payload.find("user-1"), 6, "");
  expect_refused(ring, hs256_token(header_json("HS256", kid), payload, secret), "empty sub or sid");
  expect_refused(ring, hs256_token(header_json("HS256", kid), payload_json(kNow, kNow - 1), secret),
                 "exp before iat");

  auto empty = good_claims();
  empty.sid.clear();
  EXPECT_THROW((void)ring.sign(empty), std::invalid_argument);
}

TEST_F(JwtTest, ExpiryAndIssueTimeHonourTheLeeway) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string token = ring.sign(good_claims());
  const std::int64_t exp = kNow + 900;
  EXPECT_NO_THROW((void)ring.verify(token, expect_at(exp + 29)));
  for (const std::int64_t now : {exp + 30, exp + 100000}) {
    try {
      (void)ring.verify(token, expect_at(now));
      ADD_FAILURE() << "expired token accepted at " << now;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::unauthorized);
      EXPECT_EQ(error.code(), "token_expired");
    }
  }
  auto strict = expect_at(exp - 1);
  strict.leeway_seconds = 0;
  EXPECT_NO_THROW((void)ring.verify(token, strict));
  strict.now = exp;
  EXPECT_THROW((void)ring.verify(token, strict), Error);
  strict.leeway_seconds = -100;  // a negative leeway counts as none, not as a shorter lifetime
  strict.now = exp - 1;
  EXPECT_NO_THROW((void)ring.verify(token, strict));

  // An expired token with a bad signature is "invalid", never "expired".
  std::string forged = token;
  forged[forged.rfind('.') + 1] = forged[forged.rfind('.') + 1] == 'A' ? 'B' : 'A';
  expect_refused(ring, forged, "bad signature", expect_at(exp + 1000));

  // iat may be ahead of our clock by issued_ahead (5 min), no more.
  EXPECT_NO_THROW((void)ring.verify(token, expect_at(kNow - 300)));
  expect_refused(ring, token, "iat in the future", expect_at(kNow - 301));

  // Extreme values do not overflow into acceptance.
  const std::string kid = ring.current_kid();
  const std::string secret = hs256_secret(dir_, kid);
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  EXPECT_NO_THROW((void)ring.verify(
      hs256_token(header_json("HS256", kid), payload_json(kNow, max), secret), expect_at()));
  expect_refused(ring, hs256_token(header_json("HS256", kid), payload_json(max, max), secret),
                 "iat in the future");
}

TEST_F(JwtTest, ReplicasFiveMinutesApartAcceptEachOthersTokensWithoutStretchingThem) {
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  const std::string token = ring.sign(good_claims());  // iat kNow, exp kNow + 900 by the issuer
  constexpr std::int64_t kSkew = 300;
  // A verifier 5 min behind the issuer takes the token from its first second to its end.
  EXPECT_NO_THROW((void)ring.verify(token, expect_at(kNow - kSkew)));
  EXPECT_NO_THROW((void)ring.verify(token, expect_at(kNow + 900 - kSkew)));
  // A verifier 5 min ahead takes it at once too, and ends it by its own clock: at exp + 30 s.
  EXPECT_NO_THROW((void)ring.verify(token, expect_at(kNow + kSkew)));
  EXPECT_NO_THROW((void)ring.verify(token, expect_at(kNow + 900 + 29)));
  try {
    (void)ring.verify(token, expect_at(kNow + 900 + 30));
    ADD_FAILURE() << "a skewed clock stretched the token";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "token_expired");
  }
  // Skew beyond 5 min is refused rather than trusted.
  expect_refused(ring, token, "iat in the future", expect_at(kNow - kSkew - 1));
}

TEST_F(JwtTest, RefusesTamperedTokens) {
  for (const auto algorithm : {JwtAlgorithm::hs256, JwtAlgorithm::eddsa}) {
    fs::remove_all(dir_);
    const auto ring = JwtKeyRing::load_or_create(dir_, algorithm, kNow, kOverlap);
    const std::string token = ring.sign(good_claims());
    const auto first = token.find('.');
    const auto last = token.rfind('.');
    // Another subject, same signature.
    auto claims = good_claims();
    claims.sub = "admin";
    const std::string other = ring.sign(claims);
    expect_refused(ring, other.substr(0, other.rfind('.')) + token.substr(last), "bad signature");
    expect_refused(
        ring,
        token.substr(0, first) + other.substr(first, other.rfind('.') - first) + token.substr(last),
        "bad signature");
    // Truncated and extended signatures.
    expect_refused(ring, token.substr(0, token.size() - 2), "");
    expect_refused(ring, token + "AAAA", "signature length");
    // A signature made by a key the ring does not hold, under the ring's kid.
    const std::string kid = ring.current_kid();
    if (algorithm == JwtAlgorithm::hs256) {
      expect_refused(ring, hs256_token(header_json("HS256", kid), payload_json(), random_bytes(32)),
                     "bad signature");
    } else {
      const Pkey stranger(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
      expect_refused(ring, eddsa_token(header_json("EdDSA", kid), payload_json(), stranger.get()),
                     "bad signature");
    }
  }
}

// Replicas share the key directory: a rotation by one process reaches a running ring through
// reload(), or at once through the first token that names the new kid.
TEST_F(JwtTest, ARotationMadeElsewhereIsPickedUpWithoutRestart) {
  for (const auto algorithm : {JwtAlgorithm::hs256, JwtAlgorithm::eddsa}) {
    fs::remove_all(dir_);
    auto running = JwtKeyRing::load_or_create(dir_, algorithm, kNow, kOverlap);
    auto other = JwtKeyRing::load_or_create(dir_, algorithm, kNow, kOverlap);
    EXPECT_EQ(running.current_kid(), other.current_kid());
    EXPECT_FALSE(running.reload(kNow)) << "nothing changed";

    other.rotate(kNow + 10);
    const auto token = other.sign(good_claims(kNow + 10));
    // The first token under the new kid makes the running ring look again.
    EXPECT_EQ(running.verify(token, expect_at(kNow + 10)).sub, "user-1");
    EXPECT_EQ(running.current_kid(), other.current_kid()) << "and it signs with the new key";

    other.rotate(kNow + 20);
    EXPECT_TRUE(running.reload(kNow + 20));
    EXPECT_EQ(running.current_kid(), other.current_kid());
    EXPECT_FALSE(running.reload(kNow + 20));
  }
}

TEST_F(JwtTest, UnknownKidsCostAtMostOneReloadASecond) {
  auto running = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  auto other = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  // A made-up kid within a second spends the reload...
  expect_refused(
      running,
      hs256_token(header_json("HS256", std::string(32, 'a')), payload_json(), random_bytes(32)),
      "unknown kid");
  other.rotate(kNow);
  const auto token = other.sign(good_claims());
  // ...so a real new kid in the same second waits for the next one (or the periodic reload).
  EXPECT_THROW((void)running.verify(token, expect_at(kNow)), Error);
  EXPECT_EQ(running.verify(token, expect_at(kNow + 1)).sub, "user-1");
}

TEST_F(JwtTest, RotationKeepsOldKeysForTheOverlapThenDeletesThem) {
  for (const auto algorithm : {JwtAlgorithm::hs256, JwtAlgorithm::eddsa}) {
    fs::remove_all(dir_);
    auto ring = JwtKeyRing::load_or_create(dir_, algorithm, kNow, kOverlap);
    const std::string first_kid = ring.current_kid();
    const std::string old_token = ring.sign(good_claims());

    const std::int64_t rotated = kNow + 100;
    ring.rotate(rotated);
    const std::string second_kid = ring.current_kid();
    EXPECT_NE(second_kid, first_kid);
    EXPECT_EQ(count_files(".key"), 2U);
    EXPECT_EQ(count_files(".json"), 2U);
    const std::string new_token = ring.sign(good_claims(rotated));
    EXPECT_NE(new_token.substr(0, new_token.find('.')), old_token.substr(0, old_token.find('.')));
    if (algorithm == JwtAlgorithm::eddsa) {
      EXPECT_THAT(ring.public_jwks(), HasSubstr(first_kid));
      EXPECT_THAT(ring.public_jwks(), HasSubstr(second_kid));
    }

    // The old key verifies until overlap_seconds after it was superseded (the old token gets a
    // long life here so that only the key's retirement can refuse it).
    auto long_lived = good_claims();
    long_lived.exp = kNow + 10 * kOverlap;
    const std::string old_long = [&] {
      // Signed by the first key: craft it with the first key's material.
      if (algorithm == JwtAlgorithm::hs256) {
        return hs256_token(header_json("HS256", first_kid), payload_json(kNow, long_lived.exp),
                           hs256_secret(dir_, first_kid));
      }
      const Pkey key = read_pem_key(dir_ / (first_kid + ".key"));
      return eddsa_token(header_json("EdDSA", first_kid), payload_json(kNow, long_lived.exp),
                         key.get());
    }();
    EXPECT_EQ(ring.verify(old_token, expect_at(rotated + 10)).sub, "user-1");
    EXPECT_NO_THROW((void)ring.verify(old_long, expect_at(rotated + kOverlap - 1)));
    expect_refused(ring, old_long, "kid retired", expect_at(rotated + kOverlap));
    EXPECT_NO_THROW((void)ring.verify(ring.sign([&] {
      auto c = good_claims(rotated + kOverlap);
      return c;
    }()),
                                      expect_at(rotated + kOverlap)));

    // The next rotation after the overlap deletes the old key from disk and memory.
    ring.rotate(rotated + kOverlap);
    EXPECT_FALSE(fs::exists(dir_ / (first_kid + ".key")));
    EXPECT_FALSE(fs::exists(dir_ / (first_kid + ".json")));
    EXPECT_TRUE(fs::exists(dir_ / (second_kid + ".key")));
    EXPECT_EQ(count_files(".key"), 2U);
    expect_refused(ring, old_long, "unknown kid", expect_at(rotated + kOverlap));
    if (algorithm == JwtAlgorithm::eddsa) {
      EXPECT_THAT(ring.public_jwks(), Not(HasSubstr(first_kid)));
    }
  }
}

TEST_F(JwtTest, ReloadKeepsTheSignerAndPrunesExpiredKeys) {
  std::string old_token;
  std::string signer;
  {
    auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
    old_token = ring.sign(good_claims());
    ring.rotate(kNow + 10);
    ring.rotate(kNow + 20);  // two rotations in a row: the serial, not the clock, orders them
    ring.rotate(kNow + 20);
    signer = ring.current_kid();
  }
  EXPECT_EQ(count_files(".key"), 4U);
  {
    const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow + 30, kOverlap);
    EXPECT_EQ(ring.current_kid(), signer);
    EXPECT_EQ(ring.verify(old_token, expect_at(kNow + 30)).sub, "user-1");
    EXPECT_EQ(count_files(".key"), 4U);
  }
  {
    // The first key was superseded at kNow + 10; the second and third at kNow + 20.
    const auto ring =
        JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow + 10 + kOverlap, kOverlap);
    EXPECT_EQ(ring.current_kid(), signer);
    EXPECT_EQ(count_files(".key"), 3U);
    expect_refused(ring, old_token, "unknown kid", expect_at(kNow + 10 + kOverlap));
  }
  {
    const auto ring =
        JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow + 20 + kOverlap, kOverlap);
    EXPECT_EQ(ring.current_kid(), signer);
    EXPECT_EQ(count_files(".key"), 1U);
    EXPECT_EQ(count_files(".json"), 1U);
  }
}

TEST_F(JwtTest, LoadCleansUpAfterAnInterruptedRotation) {
  const std::string kid =
      JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap).current_kid();
  // What a crash can leave: a temporary file, metadata whose key was never renamed into place.
  const std::string orphan = hex_encode(random_bytes(8));
  std::ofstream(dir_ / ("." + orphan + ".key.0123456789ab.tmp")) << "partial";
  std::ofstream(dir_ / (orphan + ".json")) << R"({"alg":"HS256","created":1,"serial":9})";
  std::ofstream(dir_ / "README") << "not ours";
  const auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow + 1, kOverlap);
  EXPECT_EQ(ring.current_kid(), kid);  // the orphan's higher serial did not make it the signer
  EXPECT_FALSE(fs::exists(dir_ / ("." + orphan + ".key.0123456789ab.tmp")));
  EXPECT_FALSE(fs::exists(dir_ / (orphan + ".json")));
  EXPECT_TRUE(fs::exists(dir_ / "README"));
}

TEST_F(JwtTest, RefusesKeyFilesOthersCouldReadOrPlant) {
  const std::string kid =
      JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap).current_kid();
  fs::permissions(dir_ / (kid + ".key"), fs::perms::owner_read | fs::perms::owner_write |
                                             fs::perms::group_read | fs::perms::others_read);
  try {
    (void)JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
    ADD_FAILURE() << "a 0644 key file was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("0644"));
    EXPECT_THAT(error.what(), HasSubstr("0600"));
  }
  fs::permissions(dir_ / (kid + ".key"), fs::perms::owner_read);  // narrower is fine
  EXPECT_NO_THROW((void)JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap));
  fs::permissions(dir_, fs::perms::all);
  EXPECT_THROW((void)JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap),
               std::runtime_error);
  fs::permissions(dir_, fs::perms::owner_all);

  // Keys of the other algorithm are not silently reinterpreted.
  try {
    (void)JwtKeyRing::load_or_create(dir_, JwtAlgorithm::eddsa, kNow, kOverlap);
    ADD_FAILURE() << "HS256 keys loaded as EdDSA";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("HS256"));
  }
  // A damaged key file is named, not skipped.
  fs::permissions(dir_ / (kid + ".key"), fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(dir_ / (kid + ".key")) << "abcd\n";
  try {
    (void)JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
    ADD_FAILURE() << "a short HS256 key was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr(kid + ".key"));
  }
}

TEST_F(JwtTest, VerifiesWhileAnotherThreadRotates) {
  auto ring = JwtKeyRing::load_or_create(dir_, JwtAlgorithm::hs256, kNow, kOverlap);
  std::atomic<bool> stop{false};
  std::atomic<int> verified{0};
  std::vector<std::thread> verifiers;
  verifiers.reserve(3);
  for (int t = 0; t < 3; ++t) {
    verifiers.emplace_back([&] {
      while (!stop) {
        const std::string token = ring.sign(good_claims());
        if (ring.verify(token, expect_at()).sub == "user-1") ++verified;
      }
    });
  }
  for (int i = 0; i < 20; ++i) ring.rotate(kNow);
  stop = true;
  for (auto& thread : verifiers) thread.join();
  EXPECT_GT(verified.load(), 0);
  EXPECT_EQ(count_files(".key"), 21U);  // overlap 3600 s: none has retired at kNow
}

}  // namespace
}  // namespace dokkerr::crypto
