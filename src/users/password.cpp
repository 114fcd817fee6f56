#include "users/password.hpp"

#include "core/error.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <charconv>
#include <optional>
#include <vector>

namespace dokkerr::users {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

// Code points of valid UTF-8; std::nullopt for invalid UTF-8.
std::optional<std::size_t> count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    if (lead < 0x80) length = 1;
    else if ((lead & 0xE0U) == 0xC0U && lead >= 0xC2) length = 2;
    else if ((lead & 0xF0U) == 0xE0U) length = 3;
    else if ((lead & 0xF8U) == 0xF0U && lead <= 0xF4) length = 4;
    else return std::nullopt;
    if (i + length > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0U) != 0x80U) return std::nullopt;
    }
    i += length;
    ++count;
  }
  return count;
}

// Reads "m=19456,t=2,p=1" out of a PHC string; std::nullopt when absent or malformed.
std::optional<Argon2Params> parameters_of(std::string_view encoded) {
  const auto start = encoded.find("$m=");
  if (start == std::string_view::npos) return std::nullopt;
  auto rest = encoded.substr(start + 1);
  rest = rest.substr(0, rest.find('$'));
  Argon2Params params{0, 0, 0};
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.size() < 3 || item[1] != '=') return std::nullopt;
    std::uint32_t value = 0;
    const auto digits = item.substr(2);
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) return std::nullopt;
    switch (item[0]) {
      case 'm': params.memory_kib = value; break;
      case 't': params.iterations = value; break;
      case 'p': params.parallelism = value; break;
      default: return std::nullopt;
    }
  }
  if (params.memory_kib == 0 || params.iterations == 0 || params.parallelism == 0) return std::nullopt;
  return params;
}

}  // namespace

void check_new_password(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    throw Error::invalid("password_too_long", "Passwords are at most 1024 bytes.");
  }
  const auto characters = count_code_points(password);
  if (!characters || password.find('\0') != std::string_view::npos) {
    throw Error::invalid("invalid_password", "Passwords must be valid UTF-8 without NUL characters.");
  }
  if (*characters < kMinPasswordCharacters) {
    throw Error::invalid("password_too_short", "Passwords are at least 12 characters long.");
  }
  if (is_common_password(password)) {
    throw Error::invalid("common_password",
                         "That password is on the list of commonly used ones; choose another.");
  }
}

std::string hash_password(std::string_view password, const Argon2Params& params) {
  if (password.size() > kMaxPasswordBytes) {
    throw Error::invalid("password_too_long", "Passwords are at most 1024 bytes.");
  }
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) {
    throw Error::internal_error("RAND_bytes failed");
  }
  const auto length = argon2_encodedlen(params.iterations, params.memory_kib, params.parallelism,
                                        kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(length, '\0');
  const int rc = argon2id_hash_encoded(params.iterations, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt, sizeof salt,
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    throw Error::internal_error(std::string("argon2id_hash_encoded: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

PasswordCheck verify_password(std::string_view password, std::string_view encoded,
                              const Argon2Params& current) {
  if (password.size() > kMaxPasswordBytes || !encoded.starts_with("$argon2id$")) {
    return PasswordCheck::mismatch;
  }
  const auto stored = parameters_of(encoded);
  if (!stored || stored->memory_kib > 4U * 1024U * 1024U || stored->iterations > 64 ||
      stored->parallelism > 64) {
    return PasswordCheck::mismatch;  // never let a stored string make us burn unbounded work
  }
  const std::string encoded_text(encoded);  // argon2 wants a NUL-terminated string
  if (argon2id_verify(encoded_text.c_str(), password.data(), password.size()) != ARGON2_OK) {
    return PasswordCheck::mismatch;
  }
  const bool weaker = stored->memory_kib < current.memory_kib ||
                      stored->iterations < current.iterations ||
                      stored->parallelism < current.parallelism;
  return weaker ? PasswordCheck::match_needs_rehash : PasswordCheck::match;
}

}  // namespace dokkerr::users
