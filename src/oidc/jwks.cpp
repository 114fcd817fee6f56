#include "oidc/jwks.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <boost/json/parse.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <optional>

namespace dokkerr::oidc {
namespace {

constexpr std::size_t kP256CoordinateBytes = 32;

Error invalid_jwks(std::string internal) {
  return {ErrorKind::bad_gateway, "oidc_invalid_jwks",
          "The identity provider's signing keys cannot be used.", std::move(internal)};
}

struct BnDeleter {
  void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
struct ParamBuildDeleter {
  void operator()(OSSL_PARAM_BLD* bld) const noexcept { OSSL_PARAM_BLD_free(bld); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* params) const noexcept { OSSL_PARAM_free(params); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;

// A string member that may be absent; present with another type is an error of the document.
std::optional<std::string> optional_string(const boost::json::object& jwk, std::string_view name,
                                           std::size_t index) {
  const auto* value = jwk.if_contains(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    throw invalid_jwks("key " + std::to_string(index) + ": '" + std::string(name) +
                       "' is not a string");
  }
  return std::string(value->as_string());
}

std::string required_bytes(const boost::json::object& jwk, std::string_view name,
                           std::size_t index) {
  const auto text = optional_string(jwk, name, index);
  if (!text) {
    throw invalid_jwks("key " + std::to_string(index) + ": '" + std::string(name) + "' is missing");
  }
  auto bytes = crypto::base64url_decode(*text);
  if (!bytes || bytes->empty()) {
    throw invalid_jwks("key " + std::to_string(index) + ": '" + std::string(name) +
                       "' is not base64url");
  }
  return std::move(*bytes);
}

Bn to_bn(std::string_view bytes) {
  Bn bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                  static_cast<int>(bytes.size()), nullptr));
  if (!bn) throw Error::internal_error("BN_bin2bn failed");
  return bn;
}

// Builds the key, then lets OpenSSL check it (a point on the curve, a sane RSA exponent).
std::shared_ptr<EVP_PKEY> from_data(const char* type, OSSL_PARAM_BLD* bld, std::size_t index) {
  const std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld));
  const std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    throw Error::internal_error("EVP_PKEY_fromdata setup failed");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 ||
      raw == nullptr) {
    throw invalid_jwks("key " + std::to_string(index) + ": OpenSSL refuses the " + type + " key");
  }
  std::shared_ptr<EVP_PKEY> key(raw, EVP_PKEY_free);
  const std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    throw invalid_jwks("key " + std::to_string(index) + ": the " + type +
                       " public key fails OpenSSL's check");
  }
  return key;
}

// std::nullopt: a well-formed key we do not use (too small or too large).
std::optional<std::shared_ptr<EVP_PKEY>> rsa_key(const boost::json::object& jwk,
                                                 std::size_t index) {
  const Bn n = to_bn(required_bytes(jwk, "n", index));
  const Bn e = to_bn(required_bytes(jwk, "e", index));
  const int bits = BN_num_bits(n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) return std::nullopt;
  if (!BN_is_odd(e.get()) || BN_num_bits(e.get()) < 2 || BN_num_bits(e.get()) > 64) {
    throw invalid_jwks("key " + std::to_string(index) + ": unusable RSA exponent");
  }
  const std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    throw Error::internal_error("OSSL_PARAM_BLD for RSA failed");
  }
  return from_data("RSA", bld.get(), index);
}

std::shared_ptr<EVP_PKEY> p256_key(const boost::json::object& jwk, std::size_t index) {
  const std::string x = required_bytes(jwk, "x", index);
  const std::string y = required_bytes(jwk, "y", index);
  // RFC 7518 §6.2.1.2: each coordinate is exactly the curve's size, leading zeros included.
  if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes) {
    throw invalid_jwks("key " + std::to_string(index) + ": P-256 coordinates must be 32 bytes");
  }
  const std::string point = '\x04' + x + y;  // SEC 1 uncompressed point
  const std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    throw Error::internal_error("OSSL_PARAM_BLD for EC failed");
  }
  return from_data("EC", bld.get(), index);
}

bool allows_verify(const boost::json::object& jwk, std::size_t index) {
  const auto* ops = jwk.if_contains("key_ops");
  if (ops == nullptr) return true;
  if (!ops->is_array()) {
    throw invalid_jwks("key " + std::to_string(index) + ": 'key_ops' is not an array");
  }
  for (const auto& op : ops->as_array()) {
    if (op.is_string() && op.as_string() == "verify") return true;
  }
  return false;
}

std::optional<Jwk> usable_key(const boost::json::value& value, std::size_t index) {
  if (!value.is_object()) throw invalid_jwks("key " + std::to_string(index) + " is not an object");
  const auto& jwk = value.as_object();
  const auto kty = optional_string(jwk, "kty", index);
  if (!kty) throw invalid_jwks("key " + std::to_string(index) + " has no 'kty'");
  const auto kid = optional_string(jwk, "kid", index);
  const auto alg = optional_string(jwk, "alg", index);
  const auto use = optional_string(jwk, "use", index);
  if (use && *use != "sig") return std::nullopt;
  if (!allows_verify(jwk, index)) return std::nullopt;

  Jwk key;
  key.kid = kid.value_or("");
  key.alg = alg.value_or("");
  if (*kty == "RSA") {
    if (alg && *alg != "RS256") return std::nullopt;
    auto rsa = rsa_key(jwk, index);
    if (!rsa) return std::nullopt;
    key.type = Jwk::Type::rsa;
    key.key = std::move(*rsa);
  } else if (*kty == "EC") {
    const auto crv = optional_string(jwk, "crv", index);
    if (!crv) throw invalid_jwks("key " + std::to_string(index) + ": EC key without 'crv'");
    if (*crv != "P-256" || (alg && *alg != "ES256")) return std::nullopt;
    key.type = Jwk::Type::ec_p256;
    key.key = p256_key(jwk, index);
  } else {
    return std::nullopt;
  }
  return key;
}

}  // namespace

JwkSet JwkSet::parse(std::string_view json) {
  if (json.size() > kMaxJwksBytes) throw invalid_jwks("JWKS larger than 1 MiB");
  boost::system::error_code ec;
  const auto document = boost::json::parse(json, ec);
  if (ec) throw invalid_jwks("JWKS is not JSON: " + ec.message());
  if (!document.is_object()) throw invalid_jwks("JWKS is not a JSON object");
  const auto* keys = document.as_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array()) throw invalid_jwks("JWKS has no 'keys' array");
  if (keys->as_array().size() > kMaxJwksKeys) {
    throw invalid_jwks("JWKS has more than " + std::to_string(kMaxJwksKeys) + " keys");
  }

  JwkSet set;
  std::size_t index = 0;
  for (const auto& value : keys->as_array()) {
    if (auto key = usable_key(value, index)) {
      // With two candidates for one kid, which key signed a token would be a guess.
      for (const auto& other : set.keys_) {
        if (!key->kid.empty() && other.kid == key->kid && other.type == key->type) {
          throw invalid_jwks("two usable keys share kid '" + key->kid + "'");
        }
      }
      set.keys_.push_back(std::move(*key));
    }
    ++index;
  }
  if (set.keys_.empty()) throw invalid_jwks("JWKS has no usable RS256 or ES256 key");
  return set;
}

}  // namespace dokkerr::oidc
