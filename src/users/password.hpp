#pragma once
// Password hashing with argon2id (libargon2) in the PHC string format, and the rules for new
// passwords. Hashing is deliberately slow: call these on the BlockingPool, never on I/O threads.
#include <cstdint>
#include <string>
#include <string_view>

namespace dokkerr::users {

// OWASP's minimum recommendation for argon2id (19 MiB, 2 passes, 1 lane); configuration may
// raise it, and hashes made with weaker parameters are re-made at the next successful login.
struct Argon2Params {
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;
};

inline constexpr std::size_t kMinPasswordCharacters = 12;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// Checks a password a user wants to set: at least 12 characters (Unicode code points, counted
// on valid UTF-8), at most 1 KiB, no NUL. Throws Error invalid: "password_too_short",
// "password_too_long" or "invalid_password". The length is checked before anything else, so an
// oversized input never reaches the hash function.
void check_new_password(std::string_view password);

// True for passwords on the bundled list of common ones (compared case-insensitively, also with
// trailing '!'/'.' and separators removed) and for one repeated character or a consecutive run.
bool is_common_password(std::string_view password);

// A PHC string: $argon2id$v=19$m=...,t=...,p=...$<salt>$<hash> with a 16-byte random salt.
std::string hash_password(std::string_view password, const Argon2Params& params);

enum class PasswordCheck { mismatch, match, match_needs_rehash };

// Verifies in constant time with respect to the password (libargon2). A malformed or foreign
// hash string is a mismatch, never an exception. match_needs_rehash: the stored parameters are
// below `current`.
PasswordCheck verify_password(std::string_view password, std::string_view encoded,
                              const Argon2Params& current);

}  // namespace dokkerr::users
