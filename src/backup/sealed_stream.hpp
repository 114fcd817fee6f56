#pragma once
// The envelope of a backup archive: a passphrase-derived key (argon2id) and AES-256-GCM over
// chunks of the content, each authenticated together with the header, its index and whether it
// is the last one, so a reader detects any altered, reordered, dropped or truncated chunk.
//
//   header  "DOKKERR-BACKUP-1" | memory KiB u32 | passes u32 | lanes u32 | salt[16] |
//           nonce prefix[8] | chunk size u32                       (56 bytes, big-endian)
//   chunk   length u32 (high bit: last chunk) | ciphertext | tag[16]
//   nonce   nonce prefix | chunk index u32;  AAD = header | index u64 | length field u32
//
// The passphrase is never stored: whoever restores must know it.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace dokkerr::backup {

using ByteSink = std::function<void(std::string_view)>;

struct KdfParams {
  std::uint32_t memory_kib = 65536;  // 64 MiB
  std::uint32_t passes = 3;
  std::uint32_t lanes = 1;
};

// The two keys one passphrase yields for one backup: the archive's and the manifest's MAC key.
struct BackupKeys {
  std::string archive;   // 32 bytes
  std::string manifest;  // 32 bytes
};

// argon2id(passphrase, salt) split by purpose. Error{invalid, "backup_kdf_params"} for params
// outside what Dokkerr writes (so a forged header cannot make a reader spend gigabytes).
BackupKeys derive_backup_keys(std::string_view passphrase, std::string_view salt16,
                              const KdfParams& params);

class SealedWriter {
 public:
  // Writes the header to out at once.
  SealedWriter(const BackupKeys& keys, std::string_view salt16, const KdfParams& params,
               ByteSink out, std::size_t chunk_size = std::size_t{1} << 20U);
  void write(std::string_view plaintext);
  void finish();  // seals the last chunk; nothing may be written afterwards

 private:
  void seal(bool last);

  std::string key_;
  std::string header_;
  ByteSink out_;
  std::size_t chunk_size_;
  std::string buffer_;
  std::uint32_t index_ = 0;
  bool finished_ = false;
};

// The header fields a reader needs before it can derive the key.
struct SealedHeader {
  KdfParams kdf;
  std::string salt;
};
// Error{invalid, "backup_corrupt"} when bytes do not start with a header this version reads.
SealedHeader read_sealed_header(std::string_view first_56_bytes);
inline constexpr std::size_t kSealedHeaderSize = 56;

class SealedReader {
 public:
  explicit SealedReader(std::string archive_key, ByteSink plaintext_out);
  // Any split of the archive's bytes. Error{invalid, "backup_corrupt"} for a damaged stream and
  // Error{invalid, "backup_passphrase_wrong"} when the first chunk does not open.
  void feed(std::string_view bytes);
  // Error{invalid, "backup_corrupt"} unless the last chunk came and nothing after it.
  void finish();

 private:
  void open_chunks();

  std::string key_;
  ByteSink out_;
  std::string pending_;
  std::string header_;
  std::size_t chunk_size_ = 0;
  std::uint32_t index_ = 0;
  bool saw_last_ = false;
};

}  // namespace dokkerr::backup
