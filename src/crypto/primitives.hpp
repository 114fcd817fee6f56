#pragma once
// Small cryptographic building blocks over OpenSSL, shared by tokens, MFA, API keys and the audit
// chain. Everything here is deterministic except random_bytes().
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace dokkerr::crypto {

// Cryptographically random bytes (OpenSSL RAND_bytes); throws std::runtime_error on failure.
std::string random_bytes(std::size_t count);

// RFC 4648 §5 base64url without padding. decode accepts input with or without '=' padding and
// returns std::nullopt for any character outside the alphabet or an impossible length.
std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 4648 §4 standard base64 with padding (PEM bodies, HTTP Basic, the engine's auth header).
std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);

// Lowercase hex.
std::string hex_encode(std::string_view data);
std::optional<std::string> hex_decode(std::string_view text);

// Raw 32-byte digests.
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
inline std::string sha256_hex(std::string_view data) {
  return hex_encode(sha256(data));
}

// SHA-256 over data that arrives in pieces (streamed backups and uploads).
class Sha256Stream {
 public:
  Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  ~Sha256Stream();
  void update(std::string_view data);
  // Lowercase hex of everything given so far; the stream can go on afterwards.
  [[nodiscard]] std::string hex() const;

 private:
  ::evp_md_ctx_st* context_;
};

// Compares in time that depends only on the lengths (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace dokkerr::crypto
