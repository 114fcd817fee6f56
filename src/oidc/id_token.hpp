#pragma once
// ID token validation (OpenID Connect Core 1.0 §3.1.3.7) for tokens from the token endpoint.
// Only RS256 and ES256 are accepted, always against a key from the provider's JWKS: the
// token's own "jku", "jwk", "x5u" and "x5c" headers are ignored.
#include "oidc/jwks.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::oidc {

inline constexpr std::size_t kMaxIdTokenBytes = 16 * 1024;
inline constexpr std::int64_t kClockLeewaySeconds = 60;
inline constexpr std::size_t kMaxSubjectBytes = 255;  // OpenID Connect Core §2

struct IdTokenClaims {
  std::string sub;
  std::string email;  // empty when absent
  std::string name;
  std::string preferred_username;
  bool email_verified = false;  // true only for the JSON value true
  std::vector<std::string> groups;
  std::string raw_claims_json;  // the signed payload, as the provider sent it
};

// Verifies the signature, then the claims: iss equal to `issuer`; aud containing `client_id`
// and, with several audiences, azp present (azp, when present, equal to `client_id`); exp not
// passed and iat/nbf not in the future, each with kClockLeewaySeconds; nonce equal to `nonce`
// (an empty `nonce` never matches); sub non-empty and at most 255 bytes. `now` is Unix seconds.
// Profile claims of an unexpected type (email_verified as a string, groups with a non-string
// member) count as absent rather than failing the login.
//
// Errors are ErrorKind::unauthorized: "oidc_unknown_key" (no key in `keys` carries the token's
// kid: refetch the JWKS once and retry), "oidc_invalid_token" (malformed, over
// kMaxIdTokenBytes, an algorithm other than RS256/ES256 or one that does not fit the key, a bad
// signature, a "crit" header, an unexpected "typ", a missing or malformed required claim, issued
// in the future), "oidc_issuer_mismatch", "oidc_audience_mismatch", "oidc_token_expired",
// "oidc_nonce_mismatch".
IdTokenClaims verify_id_token(std::string_view id_token, const JwkSet& keys,
                              std::string_view issuer, std::string_view client_id,
                              std::string_view nonce, std::int64_t now);

}  // namespace dokkerr::oidc
