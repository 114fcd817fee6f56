#include "crypto/secret_box.hpp"

#include "core/error.hpp"
#include "crypto/key_files.hpp"
#include "crypto/primitives.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cerrno>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>

namespace dokkerr::crypto {
namespace {

constexpr std::string_view kPrefix = "v1.";
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kMaxKeyFileSize = 256;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

unsigned char* bytes_of(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}
const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// EVP lengths are int.
int int_length(std::size_t size) {
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max() - 64)) {
    throw std::length_error("secret too large to seal");
  }
  return static_cast<int>(size);
}

[[noreturn]] void unreadable(std::string internal) {
  ERR_clear_error();
  throw Error(ErrorKind::internal, "secret_unreadable", "A stored secret could not be decrypted.",
              std::move(internal));
}

std::string parse_key_file(const std::string& text, const std::filesystem::path& key_file) {
  std::string_view hex = text;
  if (hex.ends_with('\n')) hex.remove_suffix(1);
  auto key = hex.size() == 2 * kKeyBytes ? hex_decode(hex) : std::nullopt;
  if (!key) {
    throw std::runtime_error("secret key file " + key_file.string() +
                             " must hold exactly 64 hex characters (a 32-byte key)");
  }
  return std::move(*key);
}

}  // namespace

SecretBox SecretBox::load_or_create(const std::filesystem::path& key_file) {
  if (key_file.has_parent_path()) detail::ensure_private_directory(key_file.parent_path(), false);
  if (!std::filesystem::exists(std::filesystem::symlink_status(key_file))) {
    std::string key = random_bytes(kKeyBytes);
    std::string text = hex_encode(key) + "\n";
    // Two processes starting together both create a key; only the first file counts, the other
    // reads it back below so nothing is ever sealed under a key that was not kept.
    const bool created = detail::create_private_file(key_file, text);
    OPENSSL_cleanse(text.data(), text.size());
    if (created) return SecretBox(std::move(key));
    OPENSSL_cleanse(key.data(), key.size());
  }
  std::string text = detail::read_private_file(key_file, kMaxKeyFileSize);
  std::string key;
  try {
    key = parse_key_file(text, key_file);
  } catch (...) {
    OPENSSL_cleanse(text.data(), text.size());
    throw;
  }
  OPENSSL_cleanse(text.data(), text.size());
  return SecretBox(std::move(key));
}

SecretBox::SecretBox(std::string key32) : key_(std::move(key32)) {
  if (key_.size() != kKeyBytes) {
    OPENSSL_cleanse(key_.data(), key_.size());
    throw std::invalid_argument("SecretBox needs a 32-byte key");
  }
}

SecretBox::~SecretBox() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view associated_data) const {
  if (key_.size() != kKeyBytes) throw std::logic_error("SecretBox used after move");
  const int plaintext_length = int_length(plaintext.size());
  const int aad_length = int_length(associated_data.size());
  std::string box = random_bytes(kNonceBytes);
  box.resize(kNonceBytes + plaintext.size() + kTagBytes);
  const CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  int final_length = 0;
  unsigned char* out = bytes_of(box) + kNonceBytes;
  // The 12-byte nonce is GCM's default IV length, so no EVP_CTRL_GCM_SET_IVLEN is needed.
  if (!ctx ||
      EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), bytes_of(std::string_view(key_)),
                          bytes_of(box), nullptr) != 1 ||
      (aad_length > 0 && EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes_of(associated_data),
                                           aad_length) != 1) ||
      EVP_EncryptUpdate(ctx.get(), out, &length, bytes_of(plaintext), plaintext_length) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out + length, &final_length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          out + plaintext.size()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("AES-256-GCM sealing failed");
  }
  return std::string(kPrefix) + base64url_encode(box);
}

std::string SecretBox::open(std::string_view sealed, std::string_view associated_data) const {
  if (key_.size() != kKeyBytes) throw std::logic_error("SecretBox used after move");
  if (!sealed.starts_with(kPrefix)) unreadable("sealed secret: unknown format");
  const auto box = base64url_decode(sealed.substr(kPrefix.size()));
  if (!box || box->size() < kNonceBytes + kTagBytes) unreadable("sealed secret: malformed");
  const std::string_view nonce = std::string_view(*box).substr(0, kNonceBytes);
  const std::string_view ciphertext =
      std::string_view(*box).substr(kNonceBytes, box->size() - kNonceBytes - kTagBytes);
  std::string tag(std::string_view(*box).substr(box->size() - kTagBytes));
  std::string plaintext(ciphertext.size(), '\0');
  const CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  int final_length = 0;
  if (!ctx ||
      EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), bytes_of(std::string_view(key_)),
                          bytes_of(nonce), nullptr) != 1 ||
      (!associated_data.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &length, bytes_of(associated_data),
                         int_length(associated_data.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), bytes_of(plaintext), &length, bytes_of(ciphertext),
                        int_length(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    unreadable("sealed secret: decryption setup failed");
  }
  // Only the final step checks the tag; until then the plaintext is unauthenticated.
  if (EVP_DecryptFinal_ex(ctx.get(), bytes_of(plaintext) + length, &final_length) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    unreadable("sealed secret: authentication failed (tampered, other key or other context)");
  }
  return plaintext;
}

}  // namespace dokkerr::crypto
