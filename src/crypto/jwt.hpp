#pragma once
// Session tokens: compact JWS (RFC 7515/7519) signed with HS256 or Ed25519 by keys this server
// generates and keeps on disk. Verification is as narrow as sign(): the configured algorithm
// only, no header parameters but alg, kid and typ ("JWT", may be left out), canonical base64url,
// no duplicate JSON keys, every claim of JwtClaims present with its type (other claims are
// ignored: only our own keys can have signed them).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace dokkerr::crypto {

enum class JwtAlgorithm { hs256, eddsa };

// iss/aud/sub/sid/typ are strings (typ is the token's kind, e.g. "access"); iat/exp are seconds
// since the epoch. `aud` is a single string: a token whose aud is an array is refused, since
// this server never issues one and accepting "contains the audience" would let a token minted
// for several audiences be replayed to each of them.
struct JwtClaims {
  std::string iss, aud, sub, sid, typ;
  std::int64_t iat = 0, exp = 0;
};

// What verify() requires: iss == issuer, aud == audience, typ == type, and at time `now`
// exp > now - leeway and iat <= now + max(leeway, issued_ahead) (negative values count as 0).
//
// Clock skew between replicas: a token signed by a replica whose clock runs up to
// issued_ahead_seconds (5 min) ahead of ours is still taken from its first second, since iat in
// the future proves nothing about the token's age; expiry is not stretched the same way (30 s),
// so a token lives at most its lifetime + 30 s by the verifier's clock, whatever the skew.
struct JwtExpectations {
  std::string issuer, audience, type;
  std::int64_t now = 0;
  std::int64_t leeway_seconds = 30;
  std::int64_t issued_ahead_seconds = 300;
};

// The signing key plus older keys still accepted for verification.
//
// On disk (dir, 0700): `<kid>.key` (0600) is the key: HS256 = 32 random bytes as 64 hex chars,
// EdDSA = PKCS#8 PEM private key; `<kid>.json` (0600) is its metadata {"alg","created","serial"}.
// kid = 16 random hex chars. The key with the highest serial signs; a key is superseded when
// the next one is created, and is accepted for overlap_seconds after that. Every file is written
// to a temporary name and renamed, the metadata before the key, so a crash mid-rotation leaves
// at most an orphan that the next load removes. A key file whose mode is wider than 0600, a dir
// writable by group or others, or keys of the other algorithm are refused (std::runtime_error).
//
// Thread safety: sign/verify/public_jwks/current_kid may run concurrently with each other and
// with rotate(); verification reads an immutable snapshot of the keys.
class JwtKeyRing {
 public:
  // Loads every key in dir (creating dir 0700 and a first key 0600 if none), newest = signer.
  // Keys whose overlap ended by `now` are deleted from disk.
  static JwtKeyRing load_or_create(const std::filesystem::path& dir, JwtAlgorithm algorithm,
                                   std::int64_t now, std::int64_t overlap_seconds);

  JwtKeyRing(JwtKeyRing&&) noexcept;
  JwtKeyRing& operator=(JwtKeyRing&&) noexcept;
  JwtKeyRing(const JwtKeyRing&) = delete;
  JwtKeyRing& operator=(const JwtKeyRing&) = delete;
  ~JwtKeyRing();

  // Adds a new signing key (file written 0600); older keys keep verifying for overlap_seconds
  // after they were superseded, then are deleted from disk and memory (here or at the next
  // load_or_create; verify() stops accepting them at that time either way).
  void rotate(std::int64_t now);

  // Reads the directory again and adopts what another process wrote there (a rotation by
  // `dokkerr admin rotate-jwt-key`, or by another replica sharing the keys); true when the
  // keys changed. Tokens naming a kid this ring does not hold trigger the same reload (at most
  // once a second), so a replica verifies a new key's tokens before its next periodic reload.
  bool reload(std::int64_t now);

  // Header {"alg":"HS256"|"EdDSA","typ":"JWT","kid":...}. std::invalid_argument when one of
  // iss/aud/sub/sid/typ is empty (verify() would refuse such a token).
  [[nodiscard]] std::string sign(const JwtClaims& claims) const;

  // Error{unauthorized, "invalid_token"} for anything wrong (the reason is in Error::internal(),
  // for the log only), Error{unauthorized, "token_expired"} when the token is otherwise valid but
  // expired. Tokens over 8 KiB are refused before any parsing.
  [[nodiscard]] JwtClaims verify(std::string_view token, const JwtExpectations& expect) const;

  [[nodiscard]] JwtAlgorithm algorithm() const;
  [[nodiscard]] std::string current_kid() const;

  // For EdDSA: the public keys as a JWKS document (RFC 8037 OKP keys, for /.well-known style
  // publishing); HS256 → {"keys":[]}.
  [[nodiscard]] std::string public_jwks() const;

 private:
  struct Impl;
  explicit JwtKeyRing(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dokkerr::crypto
