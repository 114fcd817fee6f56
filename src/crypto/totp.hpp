#pragma once
// The second factor: TOTP (RFC 6238 with HMAC-SHA1, 6 digits, 30-second steps: what every
// authenticator app understands) computed by liboath, and one-time recovery codes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::crypto {

// 20 random bytes (the RFC 4226 recommended length for SHA-1), raw. Store it sealed.
[[nodiscard]] std::string new_totp_secret();

// RFC 4648 base32 (uppercase, '=' padded) via oath_base32_encode.
[[nodiscard]] std::string base32_encode(std::string_view data);

// otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
// with issuer and account percent-encoded (a ':' inside them too) and the padding left out of
// the secret, as authenticator apps expect.
[[nodiscard]] std::string otpauth_uri(std::string_view issuer, std::string_view account,
                                      std::string_view secret_raw);

// The 6-digit code for the step that contains now_unix (for tests and tooling; the server only
// verifies).
[[nodiscard]] std::string totp_code(std::string_view secret_raw, std::int64_t now_unix);

// When code is exactly 6 ASCII digits and equals the code of step-1, step or step+1 (step =
// now_unix / 30, one step of clock skew either way) for a step > last_used_step, returns that
// step, which the caller stores as the new last_used_step so that each code works once; else
// std::nullopt. Pass -1 as last_used_step before the first use.
[[nodiscard]] std::optional<std::int64_t> verify_totp(std::string_view secret_raw,
                                                      std::string_view code, std::int64_t now_unix,
                                                      std::int64_t last_used_step);

// Codes like "k3n7q-x8m2p": 10 characters from a 32-letter lowercase alphabet without 0/1/l/o
// (50 random bits each), grouped 5-5. Show them once; store only recovery_code_hash().
[[nodiscard]] std::vector<std::string> new_recovery_codes(std::size_t count = 10);

// SHA-256 hex of the code after lowercasing ASCII letters and dropping '-', spaces and tabs, so
// "K3N7Q X8M2P" and "k3n7q-x8m2p" hash alike. Plain SHA-256 suffices: the codes carry 50 random
// bits, far beyond what guessing against a stolen hash could cover.
[[nodiscard]] std::string recovery_code_hash(std::string_view code);

}  // namespace dokkerr::crypto
