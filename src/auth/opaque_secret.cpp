#include "auth/opaque_secret.hpp"

#include "crypto/primitives.hpp"

namespace dokkerr::auth {

std::string new_secret(std::string_view prefix) {
  return std::string(prefix) + crypto::base64url_encode(crypto::random_bytes(32));
}

std::string secret_hash(std::string_view secret) {
  return crypto::sha256_hex(secret);
}

bool looks_like(std::string_view secret, std::string_view prefix) {
  return secret.size() <= 128 && secret.starts_with(prefix);
}

}  // namespace dokkerr::auth
