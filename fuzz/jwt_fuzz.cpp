// libFuzzer target for access-token verification (src/crypto/jwt.cpp): every request's bearer
// token reaches JwtKeyRing::verify before anything else looks at it.
//
// Input layout: byte 0 picks what the rest is, so that the fuzzer also reaches the parts behind
// the signature check:
//   0  the whole token, as a client sends it
//   1  the JOSE header's JSON, in a token whose payload and HMAC are valid
//   2  the claims' JSON, in a token with the ring's own header and a valid HMAC over it
// Whatever comes in, verify() must either refuse with invalid_token / token_expired or return
// claims that say exactly what was expected; anything else aborts.
#include "core/error.hpp"
#include "crypto/jwt.hpp"
#include "crypto/primitives.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace {

using dokkerr::Error;
using dokkerr::ErrorKind;
namespace crypto = dokkerr::crypto;

constexpr std::int64_t kNow = 1'800'000'000;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Fixture {
  std::filesystem::path dir;
  std::optional<crypto::JwtKeyRing> ring;
  std::string header_segment;  // the ring's own encoded header
  std::string hmac_key;        // the raw HS256 secret, to sign inputs the fuzzer made
  crypto::JwtExpectations expect;

  Fixture() {
    char pattern[] = "/tmp/dokkerr-jwt-fuzz-XXXXXX";
    const char* made = mkdtemp(pattern);
    check(made != nullptr);
    dir = std::filesystem::path(made) / "keys";
    ring.emplace(crypto::JwtKeyRing::load_or_create(dir, crypto::JwtAlgorithm::hs256, kNow, 60));
    crypto::JwtClaims claims{"dokkerr", "dokkerr-api", "user", "session", "access", kNow, kNow + 900};
    const auto token = ring->sign(claims);
    header_segment = token.substr(0, token.find('.'));
    std::ifstream key_file(dir / (ring->current_kid() + ".key"));
    std::string hex((std::istreambuf_iterator<char>(key_file)), std::istreambuf_iterator<char>());
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
    hmac_key = crypto::hex_decode(hex).value_or("");
    check(hmac_key.size() == 32);
    expect.issuer = "dokkerr";
    expect.audience = "dokkerr-api";
    expect.type = "access";
    expect.now = kNow;
  }
  ~Fixture() {
    std::error_code ignored;
    std::filesystem::remove_all(dir.parent_path(), ignored);
  }

  [[nodiscard]] std::string signed_token(std::string_view header_b64, std::string_view payload) const {
    std::string input = std::string(header_b64) + "." + crypto::base64url_encode(payload);
    return input + "." + crypto::base64url_encode(crypto::hmac_sha256(hmac_key, input));
  }
};

Fixture& fixture() {
  static Fixture instance;  // one key ring for the whole run; removed at exit
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& f = fixture();
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string token;
  switch (data[0] % 3) {
    case 0: token = std::string(rest); break;
    case 1: token = f.signed_token(crypto::base64url_encode(rest), R"({"iss":"dokkerr","aud":"dokkerr-api","sub":"u","sid":"s","typ":"access","iat":1800000000,"exp":1800000900})"); break;
    default: token = f.signed_token(f.header_segment, rest); break;
  }
  try {
    const auto claims = f.ring->verify(token, f.expect);
    check(claims.iss == "dokkerr" && claims.aud == "dokkerr-api" && claims.typ == "access");
    check(!claims.sub.empty() && !claims.sid.empty());
    // iat may be ahead by the replica clock allowance the verifier documents (jwt.hpp).
    const auto ahead = std::max(f.expect.leeway_seconds, f.expect.issued_ahead_seconds);
    check(claims.iat <= kNow + ahead && claims.exp + f.expect.leeway_seconds > kNow &&
          claims.exp >= claims.iat);
  } catch (const Error& error) {
    check(error.kind() == ErrorKind::unauthorized);
    check(error.code() == "invalid_token" || error.code() == "token_expired");
  }
  return 0;
}
