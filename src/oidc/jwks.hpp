#pragma once
// A provider's signing keys (RFC 7517 JSON Web Key Set), reduced to the keys Dokkerr can verify
// ID tokens with: RSA of at least 2048 bits for RS256 and EC P-256 for ES256.
#include <openssl/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::oidc {

inline constexpr std::size_t kMaxJwksBytes = 1024 * 1024;
inline constexpr std::size_t kMaxJwksKeys = 100;
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 8192;

struct Jwk {
  enum class Type { rsa, ec_p256 };
  Type type = Type::rsa;
  std::string kid;                // empty when the JWK has none
  std::string alg;                // "RS256", "ES256", or empty when the JWK does not restrict it
  std::shared_ptr<EVP_PKEY> key;  // public key
};

class JwkSet {
 public:
  // Keeps RSA and EC P-256 keys meant for signatures. Skipped without complaint: other kty
  // values, other curves, "use" other than "sig", "key_ops" without "verify", an "alg" other
  // than the one its type signs with, RSA moduli outside [2048, 8192] bits. Errors
  // (ErrorKind::bad_gateway, "oidc_invalid_jwks"): not a JSON object with a "keys" array of at
  // most kMaxJwksKeys objects, a member of the wrong type, a malformed RSA or EC key (bad
  // base64url, an EC point not on the curve, a bad exponent), two usable keys of one type with
  // the same kid, or no usable key at all.
  static JwkSet parse(std::string_view json);

  [[nodiscard]] const std::vector<Jwk>& keys() const noexcept { return keys_; }

 private:
  std::vector<Jwk> keys_;
};

}  // namespace dokkerr::oidc
