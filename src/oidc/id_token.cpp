#include "oidc/id_token.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <boost/json/parse.hpp>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>

namespace dokkerr::oidc {
namespace {

constexpr std::size_t kEs256CoordinateBytes = 32;

Error rejected(std::string code, std::string detail, std::string internal) {
  return {ErrorKind::unauthorized, std::move(code), std::move(detail), std::move(internal)};
}

Error invalid_token(std::string internal) {
  return rejected("oidc_invalid_token", "The sign-in token is invalid.", std::move(internal));
}

std::string decode_segment(std::string_view segment, std::string_view what) {
  // JWS compact serialization never pads (RFC 7515 §2); padding means someone else's encoder.
  auto bytes = segment.find('=') == std::string_view::npos ? crypto::base64url_decode(segment)
                                                           : std::nullopt;
  if (!bytes) throw invalid_token(std::string(what) + " is not base64url");
  return std::move(*bytes);
}

boost::json::object decode_object(std::string_view json, std::string_view what) {
  boost::system::error_code ec;
  auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) throw invalid_token(std::string(what) + " is not a JSON object");
  return std::move(value.as_object());
}

// Absent → std::nullopt; present with another type → the token is malformed.
std::optional<std::string> string_claim(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) throw invalid_token("'" + std::string(name) + "' is not a string");
  return std::string(value->as_string());
}

// NumericDate (RFC 7519 §2): seconds, possibly with a fraction.
std::optional<std::int64_t> numeric_date(const boost::json::object& claims, std::string_view name) {
  const auto* value = claims.if_contains(name);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64() &&
      value->as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(value->as_uint64());
  }
  // 2^62 keeps the conversion exact enough and far beyond any real date.
  constexpr double kLimit = 4.6e18;
  if (value->is_double() && std::isfinite(value->as_double()) &&
      std::fabs(value->as_double()) < kLimit) {
    return static_cast<std::int64_t>(std::floor(value->as_double()));
  }
  throw invalid_token("'" + std::string(name) + "' is not a NumericDate");
}

const Jwk& select_key(const JwkSet& keys, const std::optional<std::string>& kid,
                      std::string_view alg) {
  const auto wanted = alg == "RS256" ? Jwk::Type::rsa : Jwk::Type::ec_p256;
  const Jwk* found = nullptr;
  std::size_t candidates = 0;
  bool kid_known = false;
  for (const auto& key : keys.keys()) {
    if (kid) {
      if (key.kid != *kid) continue;
      kid_known = true;
    }
    if (key.type != wanted) continue;
    ++candidates;
    found = &key;
  }
  if ((kid && !kid_known) || (!kid && candidates == 0)) {
    throw rejected("oidc_unknown_key", "The sign-in token is signed with an unknown key.",
                   kid ? "no key with kid '" + *kid + "'"
                       : "token without kid, no " + std::string(alg) + " key");
  }
  // The kid exists but names a key of the other type: the header's alg was chosen to confuse.
  if (candidates == 0) {
    throw invalid_token("alg " + std::string(alg) + " does not fit the key type of kid '" + *kid +
                        "'");
  }
  if (candidates > 1) throw invalid_token("token without kid and several candidate keys");
  if (!found->alg.empty() && found->alg != alg) {
    throw invalid_token("alg " + std::string(alg) + " but the key is for " + found->alg);
  }
  return *found;
}

struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

// JWS ES256 signatures are r || s, 32 bytes each (RFC 7518 §3.4); OpenSSL verifies DER.
std::string es256_to_der(std::string_view signature) {
  if (signature.size() != 2 * kEs256CoordinateBytes) {
    throw invalid_token("ES256 signature of " + std::to_string(signature.size()) + " bytes");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(signature.data());
  const std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, kEs256CoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kEs256CoordinateBytes, kEs256CoordinateBytes, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    throw Error::internal_error("ECDSA_SIG construction failed");
  }
  const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) throw Error::internal_error("i2d_ECDSA_SIG failed");
  std::string der(static_cast<std::size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != length) throw Error::internal_error("i2d_ECDSA_SIG failed");
  return der;
}

void verify_signature(const Jwk& key, std::string_view alg, std::string_view signing_input,
                      std::string_view signature) {
  const std::string der = alg == "ES256" ? es256_to_der(signature) : std::string(signature);
  const std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) throw Error::internal_error("EVP_MD_CTX_new failed");
  const bool valid =
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) == 1;
  // A failed verification leaves entries in this thread's OpenSSL error queue; the next user
  // of the thread must not read them as its own.
  ERR_clear_error();
  if (!valid) throw invalid_token("signature does not verify with kid '" + key.kid + "'");
}

bool acceptable_typ(std::string_view typ) {
  const auto equals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
      };
      if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
  };
  return equals(typ, "JWT") || equals(typ, "application/jwt");
}

void check_audience(const boost::json::object& claims, std::string_view client_id) {
  const auto* aud = claims.if_contains("aud");
  if (aud == nullptr) throw invalid_token("no 'aud'");
  std::vector<std::string_view> audiences;
  if (aud->is_string()) {
    audiences.emplace_back(aud->as_string());
  } else if (aud->is_array() && !aud->as_array().empty()) {
    for (const auto& item : aud->as_array()) {
      if (!item.is_string()) throw invalid_token("'aud' has a member that is not a string");
      audiences.emplace_back(item.as_string());
    }
  } else {
    throw invalid_token("'aud' is neither a string nor a non-empty array");
  }
  const auto mismatch = [](std::string internal) {
    return rejected("oidc_audience_mismatch",
                    "The sign-in token was issued to another application.", std::move(internal));
  };
  bool listed = false;
  for (const auto audience : audiences) listed = listed || audience == client_id;
  if (!listed) throw mismatch("'aud' does not contain the client id");
  const auto azp = string_claim(claims, "azp");
  if (azp && *azp != client_id) throw mismatch("'azp' is '" + *azp + "'");
  if (!azp && audiences.size() > 1) throw mismatch("several audiences and no 'azp'");
}

void check_times(const boost::json::object& claims, std::int64_t now) {
  const auto exp = numeric_date(claims, "exp");
  const auto iat = numeric_date(claims, "iat");
  if (!exp || !iat) throw invalid_token("'exp' or 'iat' is missing");
  if (*exp <= now - kClockLeewaySeconds) {
    throw rejected("oidc_token_expired", "The sign-in token has expired.",
                   "exp " + std::to_string(*exp) + ", now " + std::to_string(now));
  }
  if (*iat > now + kClockLeewaySeconds) {
    throw invalid_token("issued in the future: iat " + std::to_string(*iat) + ", now " +
                        std::to_string(now));
  }
  const auto nbf = numeric_date(claims, "nbf");
  if (nbf && *nbf > now + kClockLeewaySeconds) {
    throw invalid_token("not valid yet: nbf " + std::to_string(*nbf) + ", now " +
                        std::to_string(now));
  }
}

// Profile claims: a value of an unexpected type is dropped, never half-used.
void read_profile(const boost::json::object& claims, IdTokenClaims& out) {
  const auto text = [&claims](std::string_view name) -> std::string {
    const auto* value = claims.if_contains(name);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
  };
  out.email = text("email");
  out.name = text("name");
  out.preferred_username = text("preferred_username");
  const auto* verified = claims.if_contains("email_verified");
  out.email_verified = verified != nullptr && verified->is_bool() && verified->as_bool();
  const auto* groups = claims.if_contains("groups");
  if (groups != nullptr && groups->is_string()) {
    out.groups.emplace_back(groups->as_string());
  } else if (groups != nullptr && groups->is_array()) {
    for (const auto& group : groups->as_array()) {
      if (!group.is_string()) {
        out.groups.clear();
        break;
      }
      out.groups.emplace_back(group.as_string());
    }
  }
}

}  // namespace

IdTokenClaims verify_id_token(std::string_view id_token, const JwkSet& keys,
                              std::string_view issuer, std::string_view client_id,
                              std::string_view nonce, std::int64_t now) {
  if (id_token.size() > kMaxIdTokenBytes) {
    throw invalid_token("token of " + std::to_string(id_token.size()) + " bytes");
  }
  const auto first = id_token.find('.');
  const auto second = first == std::string_view::npos ? first : id_token.find('.', first + 1);
  if (second == std::string_view::npos ||
      id_token.find('.', second + 1) != std::string_view::npos) {
    throw invalid_token("not a JWS in compact serialization (three parts)");
  }

  const auto header = decode_object(decode_segment(id_token.substr(0, first), "header"), "header");
  const auto alg = string_claim(header, "alg");
  if (!alg) throw invalid_token("no 'alg' in the header");
  // Never "none", never HMAC (whose key would be the public key anyone can read).
  if (*alg != "RS256" && *alg != "ES256") throw invalid_token("alg '" + *alg + "' is not accepted");
  if (header.contains("crit")) throw invalid_token("'crit' header: no extension is understood");
  if (const auto typ = string_claim(header, "typ"); typ && !acceptable_typ(*typ)) {
    throw invalid_token("typ '" + *typ + "' is not an ID token's");
  }
  const auto kid = string_claim(header, "kid");
  const Jwk& key = select_key(keys, kid, *alg);

  const auto signature = decode_segment(id_token.substr(second + 1), "signature");
  verify_signature(key, *alg, id_token.substr(0, second), signature);

  IdTokenClaims out;
  out.raw_claims_json = decode_segment(id_token.substr(first + 1, second - first - 1), "payload");
  const auto claims = decode_object(out.raw_claims_json, "payload");

  const auto iss = string_claim(claims, "iss");
  if (!iss) throw invalid_token("no 'iss'");
  if (*iss != issuer) {
    throw rejected("oidc_issuer_mismatch",
                   "The sign-in token comes from another identity provider.", "iss '" + *iss + "'");
  }
  check_audience(claims, client_id);
  check_times(claims, now);
  const auto token_nonce = string_claim(claims, "nonce");
  if (!token_nonce || nonce.empty() || !crypto::constant_time_equal(*token_nonce, nonce)) {
    throw rejected("oidc_nonce_mismatch", "The sign-in token does not belong to this login.",
                   token_nonce ? "nonce differs" : "no 'nonce'");
  }
  auto sub = string_claim(claims, "sub");
  if (!sub || sub->empty() || sub->size() > kMaxSubjectBytes) {
    throw invalid_token("'sub' is missing, empty or longer than 255 bytes");
  }
  out.sub = std::move(*sub);
  read_profile(claims, out);
  return out;
}

}  // namespace dokkerr::oidc
