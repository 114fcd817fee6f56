#include "backup/sealed_stream.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <openssl/evp.h>

#include <argon2.h>
#include <memory>

namespace dokkerr::backup {
namespace {

constexpr std::string_view kMagic = "DOKKERR-BACKUP-1";
constexpr std::size_t kTag = 16;
constexpr std::uint32_t kLastFlag = 0x8000'0000U;
constexpr std::size_t kMaxChunk = std::size_t{16} << 20U;

void put_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((value >> static_cast<unsigned>(shift)) & 0xFFU);
  }
}

std::uint32_t get_u32(std::string_view in) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = (value << 8U) | static_cast<unsigned char>(in[i]);
  return value;
}

Error corrupt(std::string internal) {
  return {ErrorKind::invalid, "backup_corrupt",
          "The backup archive is damaged or incomplete; nothing was changed.", std::move(internal)};
}

struct CipherDeleter {
  void operator()(EVP_CIPHER_CTX* context) const noexcept { EVP_CIPHER_CTX_free(context); }
};

std::string nonce_of(std::string_view header, std::uint32_t index) {
  std::string nonce(header.substr(kMagic.size() + 12 + 16, 8));
  put_u32(nonce, index);
  return nonce;
}

std::string aad_of(std::string_view header, std::uint32_t index, std::uint32_t length_field) {
  std::string aad(header);
  put_u32(aad, 0);
  put_u32(aad, index);
  put_u32(aad, length_field);
  return aad;
}

const unsigned char* bytes(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

// AES-256-GCM seal (ciphertext | tag) or open (nullopt when the tag does not match).
std::string gcm_seal(std::string_view key, std::string_view nonce, std::string_view aad,
                     std::string_view plaintext) {
  const std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter> ctx(EVP_CIPHER_CTX_new());
  std::string out(plaintext.size() + kTag, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int total = 0;
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key), bytes(nonce)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), dst, &len, bytes(plaintext),
                        static_cast<int>(plaintext.size())) == 1 &&
      (total = len, EVP_EncryptFinal_ex(ctx.get(), dst + total, &len) == 1) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTag),
                          dst + plaintext.size()) == 1;
  if (!ok) throw Error::internal_error("AES-GCM seal failed");
  return out;
}

std::optional<std::string> gcm_open(std::string_view key, std::string_view nonce,
                                    std::string_view aad, std::string_view sealed) {
  const std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter> ctx(EVP_CIPHER_CTX_new());
  const std::size_t size = sealed.size() - kTag;
  std::string out(size, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  std::string tag(sealed.substr(size));
  int len = 0;
  const bool setup =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key), bytes(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), dst, &len, bytes(sealed), static_cast<int>(size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTag), tag.data()) == 1;
  if (!setup) throw Error::internal_error("AES-GCM open failed");
  if (EVP_DecryptFinal_ex(ctx.get(), dst + len, &len) != 1) return std::nullopt;
  return out;
}

}  // namespace

BackupKeys derive_backup_keys(std::string_view passphrase, std::string_view salt16,
                              const KdfParams& params) {
  if (params.memory_kib < 8192 || params.memory_kib > (1U << 20U) || params.passes < 1 ||
      params.passes > 16 || params.lanes < 1 || params.lanes > 8 || salt16.size() != 16) {
    throw Error::invalid("backup_kdf_params",
                         "The backup names key derivation settings Dokkerr does not use.");
  }
  std::string master(32, '\0');
  const int rc = argon2id_hash_raw(params.passes, params.memory_kib, params.lanes,
                                   passphrase.data(), passphrase.size(), salt16.data(),
                                   salt16.size(), master.data(), master.size());
  if (rc != ARGON2_OK)
    throw Error::internal_error(std::string("argon2id: ") + argon2_error_message(rc));
  BackupKeys keys{crypto::hmac_sha256(master, "dokkerr backup archive"),
                  crypto::hmac_sha256(master, "dokkerr backup manifest")};
  std::fill(master.begin(), master.end(), '\0');
  return keys;
}

SealedWriter::SealedWriter(const BackupKeys& keys, std::string_view salt16, const KdfParams& params,
                           ByteSink out, std::size_t chunk_size)
    : key_(keys.archive), out_(std::move(out)), chunk_size_(chunk_size) {
  if (chunk_size_ == 0 || chunk_size_ > kMaxChunk) throw Error::internal_error("bad chunk size");
  header_ = kMagic;
  put_u32(header_, params.memory_kib);
  put_u32(header_, params.passes);
  put_u32(header_, params.lanes);
  header_ += salt16;
  header_ += crypto::random_bytes(8);
  put_u32(header_, static_cast<std::uint32_t>(chunk_size_));
  out_(header_);
  buffer_.reserve(chunk_size_);
}

void SealedWriter::write(std::string_view plaintext) {
  if (finished_) throw Error::internal_error("write after finish");
  while (!plaintext.empty()) {
    // A full chunk is sealed only once more data comes, so the last one is always marked last.
    if (buffer_.size() == chunk_size_) seal(false);
    const auto take = std::min(plaintext.size(), chunk_size_ - buffer_.size());
    buffer_.append(plaintext.substr(0, take));
    plaintext.remove_prefix(take);
  }
}

void SealedWriter::finish() {
  if (finished_) return;
  seal(true);
  finished_ = true;
}

void SealedWriter::seal(bool last) {
  const auto length_field = static_cast<std::uint32_t>(buffer_.size()) | (last ? kLastFlag : 0U);
  std::string chunk;
  put_u32(chunk, length_field);
  chunk +=
      gcm_seal(key_, nonce_of(header_, index_), aad_of(header_, index_, length_field), buffer_);
  out_(chunk);
  ++index_;
  buffer_.clear();
}

SealedHeader read_sealed_header(std::string_view first) {
  if (first.size() < kSealedHeaderSize || !first.starts_with(kMagic)) {
    throw corrupt("not a Dokkerr backup archive (magic)");
  }
  SealedHeader header;
  header.kdf.memory_kib = get_u32(first.substr(16));
  header.kdf.passes = get_u32(first.substr(20));
  header.kdf.lanes = get_u32(first.substr(24));
  header.salt = std::string(first.substr(28, 16));
  return header;
}

SealedReader::SealedReader(std::string archive_key, ByteSink plaintext_out)
    : key_(std::move(archive_key)), out_(std::move(plaintext_out)) {}

void SealedReader::feed(std::string_view data) {
  pending_.append(data);
  if (header_.empty()) {
    if (pending_.size() < kSealedHeaderSize) return;
    static_cast<void>(read_sealed_header(pending_));
    header_ = pending_.substr(0, kSealedHeaderSize);
    chunk_size_ = get_u32(std::string_view(header_).substr(52));
    if (chunk_size_ == 0 || chunk_size_ > kMaxChunk) throw corrupt("chunk size out of range");
    pending_.erase(0, kSealedHeaderSize);
  }
  open_chunks();
}

void SealedReader::open_chunks() {
  std::size_t at = 0;
  while (pending_.size() - at >= 4) {
    if (saw_last_) throw corrupt("bytes after the last chunk");
    const std::uint32_t length_field = get_u32(std::string_view(pending_).substr(at));
    const std::size_t length = length_field & ~kLastFlag;
    if (length > chunk_size_) throw corrupt("chunk longer than the chunk size");
    if (pending_.size() - at < 4 + length + kTag) break;
    const auto sealed = std::string_view(pending_).substr(at + 4, length + kTag);
    auto plain =
        gcm_open(key_, nonce_of(header_, index_), aad_of(header_, index_, length_field), sealed);
    if (!plain) {
      if (index_ == 0) {
        throw Error{ErrorKind::invalid, "backup_passphrase_wrong",
                    "The passphrase does not open this backup; nothing was changed."};
      }
      throw corrupt("chunk " + std::to_string(index_) + " does not authenticate");
    }
    // Full chunks until the last: a short chunk that is not marked last means bytes are missing.
    if ((length_field & kLastFlag) == 0 && length != chunk_size_) throw corrupt("short chunk");
    saw_last_ = (length_field & kLastFlag) != 0;
    ++index_;
    at += 4 + length + kTag;
    out_(*plain);
  }
  pending_.erase(0, at);
}

void SealedReader::finish() {
  if (header_.empty()) throw corrupt("shorter than its header");
  if (!saw_last_) throw corrupt("the last chunk is missing (truncated)");
  if (!pending_.empty()) throw corrupt("bytes after the last chunk");
}

}  // namespace dokkerr::backup
