#include "crypto/primitives.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace dokkerr::crypto {
namespace {

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// OpenSSL's EVP_EncodeBlock/DecodeBlock only speak padded standard base64 and silently skip
// whitespace, so the codec is written out here (RFC 4648) with strict decoding.
std::string encode(std::string_view data, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(data[i]) << 16U) |
                       (static_cast<unsigned char>(data[i + 1]) << 8U) |
                       static_cast<unsigned char>(data[i + 2]);
    out += alphabet[(v >> 18U) & 63U];
    out += alphabet[(v >> 12U) & 63U];
    out += alphabet[(v >> 6U) & 63U];
    out += alphabet[v & 63U];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const unsigned v = static_cast<unsigned char>(data[i]) << 16U;
    out += alphabet[(v >> 18U) & 63U];
    out += alphabet[(v >> 12U) & 63U];
    if (pad) out += "==";
  } else if (rest == 2) {
    const unsigned v = (static_cast<unsigned char>(data[i]) << 16U) |
                       (static_cast<unsigned char>(data[i + 1]) << 8U);
    out += alphabet[(v >> 18U) & 63U];
    out += alphabet[(v >> 12U) & 63U];
    out += alphabet[(v >> 6U) & 63U];
    if (pad) out += '=';
  }
  return out;
}

std::optional<std::string> decode(std::string_view text, std::string_view alphabet,
                                  bool padding_required) {
  std::size_t padding = 0;
  while (!text.empty() && text.back() == '=' && padding < 2) {
    text.remove_suffix(1);
    ++padding;
  }
  if (padding_required && (text.size() + padding) % 4 != 0) return std::nullopt;
  if (padding > 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
  if (text.size() % 4 == 1) return std::nullopt;
  std::array<int, 256> value{};
  value.fill(-1);
  for (std::size_t k = 0; k < alphabet.size(); ++k) {
    value[static_cast<unsigned char>(alphabet[k])] = static_cast<int>(k);
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = value[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6U) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU);
    }
  }
  // Leftover bits must be zero (canonical encoding), so one text has one meaning.
  if (bits > 0 && (buffer & ((1U << static_cast<unsigned>(bits)) - 1U)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  if (count > 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string base64url_encode(std::string_view data) {
  return encode(data, kBase64Url, false);
}
std::optional<std::string> base64url_decode(std::string_view text) {
  return decode(text, kBase64Url, false);
}
std::string base64_encode(std::string_view data) {
  return encode(data, kBase64, true);
}
std::optional<std::string> base64_decode(std::string_view text) {
  return decode(text, kBase64, true);
}

std::string hex_encode(std::string_view data) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (const char c : data) {
    const auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4U];
    out += kDigits[byte & 15U];
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>((hi << 4) | lo);
  }
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &length,
                 EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return out;
}

Sha256Stream::Sha256Stream() : context_(EVP_MD_CTX_new()) {
  if (context_ == nullptr || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(context_);
    throw std::runtime_error("SHA-256 context failed");
  }
}

Sha256Stream::~Sha256Stream() {
  EVP_MD_CTX_free(context_);
}

void Sha256Stream::update(std::string_view data) {
  if (EVP_DigestUpdate(context_, data.data(), data.size()) != 1) {
    throw std::runtime_error("SHA-256 update failed");
  }
}

std::string Sha256Stream::hex() const {
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  std::string out(32, '\0');
  unsigned length = 0;
  const bool ok =
      copy != nullptr && EVP_MD_CTX_copy_ex(copy, context_) == 1 &&
      EVP_DigestFinal_ex(copy, reinterpret_cast<unsigned char*>(out.data()), &length) == 1;
  EVP_MD_CTX_free(copy);
  if (!ok || length != 32) throw std::runtime_error("SHA-256 final failed");
  return hex_encode(out);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes_of(data), data.size(),
           reinterpret_cast<unsigned char*>(out.data()), &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace dokkerr::crypto
