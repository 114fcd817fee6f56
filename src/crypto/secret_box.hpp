#pragma once
// Secrets kept at rest (TOTP seeds, OIDC client secrets, registry passwords) are sealed with
// AES-256-GCM under one master key that lives in a file next to the database, never in it: a
// copy of the database alone reveals nothing.
#include <filesystem>
#include <string>
#include <string_view>

namespace dokkerr::crypto {

class SecretBox {
 public:
  // Reads the master key from key_file (64 hex characters, optionally followed by a newline;
  // mode at most 0600) or, when the file does not exist, creates it with a random key (0600,
  // parent directory 0700 if missing). std::runtime_error naming the file when it has the wrong
  // length, is not hex, or its permissions are wider than 0600.
  static SecretBox load_or_create(const std::filesystem::path& key_file);

  // key32: the raw 32-byte key; std::invalid_argument otherwise.
  explicit SecretBox(std::string key32);
  SecretBox(const SecretBox&) = default;
  SecretBox(SecretBox&&) noexcept = default;
  SecretBox& operator=(const SecretBox&) = default;
  SecretBox& operator=(SecretBox&&) noexcept = default;
  ~SecretBox();  // wipes the key

  // "v1." + base64url(12-byte random nonce | ciphertext | 16-byte tag). associated_data is
  // authenticated, not stored: pass what the secret belongs to (e.g. "totp:user:<id>") so a
  // sealed value copied to another row does not open there.
  [[nodiscard]] std::string seal(std::string_view plaintext,
                                 std::string_view associated_data) const;

  // Error{internal, "secret_unreadable"} when the text is not a sealed value, was altered, was
  // sealed under another key or with other associated data.
  [[nodiscard]] std::string open(std::string_view sealed, std::string_view associated_data) const;

  // True when `text` has the form seal() writes (whether it opens is open()'s to say).
  [[nodiscard]] static bool looks_sealed(std::string_view text) { return text.starts_with("v1."); }

 private:
  std::string key_;
};

}  // namespace dokkerr::crypto
