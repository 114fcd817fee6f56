#include "crypto/totp.hpp"

#include "crypto/primitives.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cstdlib>
#include <liboath/oath.h>
#include <stdexcept>

namespace dokkerr::crypto {
namespace {

constexpr std::size_t kSecretBytes = 20;
constexpr unsigned kStepSeconds = 30;
constexpr unsigned kDigits = 6;
constexpr std::string_view kRecoveryAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
constexpr std::size_t kRecoveryChars = 10;

void ensure_oath() {
  // liboath wants one oath_init() per process before any other call.
  static const int status = oath_init();
  if (status != OATH_OK) {
    throw std::runtime_error(std::string("oath_init failed: ") + oath_strerror(status));
  }
}

std::array<char, kDigits + 1> code_at_step(std::string_view secret, std::int64_t step) {
  std::array<char, kDigits + 1> code{};
  const int status =
      oath_totp_generate(secret.data(), secret.size(), static_cast<time_t>(step * kStepSeconds),
                         kStepSeconds, 0, kDigits, code.data());
  if (status != OATH_OK) {
    throw std::runtime_error(std::string("oath_totp_generate failed: ") + oath_strerror(status));
  }
  return code;
}

std::string percent_encode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4U];
      out += kHex[byte & 15U];
    }
  }
  return out;
}

}  // namespace

std::string new_totp_secret() {
  return random_bytes(kSecretBytes);
}

std::string base32_encode(std::string_view data) {
  ensure_oath();
  char* encoded = nullptr;
  std::size_t length = 0;
  const int status = oath_base32_encode(data.data(), data.size(), &encoded, &length);
  if (status != OATH_OK) {
    throw std::runtime_error(std::string("oath_base32_encode failed: ") + oath_strerror(status));
  }
  std::string out(encoded, length);
  OPENSSL_cleanse(encoded, length);  // it encodes secrets
  std::free(encoded);  // NOLINT(cppcoreguidelines-no-malloc): liboath allocates with malloc
  return out;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::string_view secret_raw) {
  std::string secret = base32_encode(secret_raw);
  while (!secret.empty() && secret.back() == '=') secret.pop_back();
  const std::string encoded_issuer = percent_encode(issuer);
  std::string uri = "otpauth://totp/" + encoded_issuer + ":" + percent_encode(account) +
                    "?secret=" + secret + "&issuer=" + encoded_issuer +
                    "&algorithm=SHA1&digits=6&period=30";
  OPENSSL_cleanse(secret.data(), secret.size());
  return uri;
}

std::string totp_code(std::string_view secret_raw, std::int64_t now_unix) {
  ensure_oath();
  if (now_unix < 0) throw std::invalid_argument("TOTP time before the epoch");
  return code_at_step(secret_raw, now_unix / kStepSeconds).data();
}

std::optional<std::int64_t> verify_totp(std::string_view secret_raw, std::string_view code,
                                        std::int64_t now_unix, std::int64_t last_used_step) {
  ensure_oath();
  if (code.size() != kDigits || now_unix < 0) return std::nullopt;
  for (const char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const std::int64_t step = now_unix / kStepSeconds;
  std::optional<std::int64_t> matched;
  // All three candidates are computed and compared whatever matches, oldest first, so the time
  // taken says nothing about which one did.
  for (std::int64_t candidate = step - 1; candidate <= step + 1; ++candidate) {
    if (candidate < 0) continue;
    const auto expected = code_at_step(secret_raw, candidate);
    const bool equal = constant_time_equal(code, {expected.data(), kDigits});
    if (equal && candidate > last_used_step && !matched) matched = candidate;
  }
  return matched;
}

std::vector<std::string> new_recovery_codes(std::size_t count) {
  std::vector<std::string> codes;
  codes.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    // 56 random bits, of which 10 × 5 are used: 32 letters make every 5 bits one letter, so
    // there is no modulo bias.
    const std::string random = random_bytes(7);
    std::uint64_t bits = 0;
    for (const char c : random) bits = (bits << 8U) | static_cast<unsigned char>(c);
    std::string code;
    for (std::size_t k = 0; k < kRecoveryChars; ++k) {
      if (k == kRecoveryChars / 2) code += '-';
      code += kRecoveryAlphabet[bits & 31U];
      bits >>= 5U;
    }
    codes.push_back(std::move(code));
  }
  return codes;
}

std::string recovery_code_hash(std::string_view code) {
  std::string normalized;
  normalized.reserve(code.size());
  for (const char c : code) {
    if (c == '-' || c == ' ' || c == '\t') continue;
    normalized += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return sha256_hex(normalized);
}

}  // namespace dokkerr::crypto
