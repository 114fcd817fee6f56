#include "crypto/tls_certificate.hpp"

#include "crypto/key_files.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <unistd.h>

namespace dokkerr::crypto {
namespace {

namespace fs = std::filesystem;

constexpr long kValidDays = 825;  // the longest validity clients accept for a server certificate
constexpr long kRenewWithinDays = 30;

struct Free {
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(BIO* b) const { BIO_free(b); }
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
  void operator()(ASN1_TIME* t) const { ASN1_TIME_free(t); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

std::string read_pem_text(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) fail(file.string() + ": " + ec.message());
  if (size > 1024 * 1024) fail(file.string() + ": larger than 1 MiB, not a certificate");
  std::string text(size, '\0');
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!in) fail(file.string() + ": cannot open");
  if (std::fread(text.data(), 1, text.size(), in.get()) != text.size()) fail(file.string() + ": cannot read");
  return text;
}

Owned<X509> read_certificate(const fs::path& file) {
  const auto text = read_pem_text(file);
  Owned<BIO> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  Owned<X509> certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) fail(file.string() + ": no PEM certificate in it");
  return certificate;
}

std::string pem_of(const X509* certificate) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(bio.get(), certificate) != 1) fail("cannot encode the certificate");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

std::string pem_of(EVP_PKEY* key) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("cannot encode the private key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return {};
  return name.data();
}

void add_extension(X509* certificate, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  Owned<X509_EXTENSION> extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    fail("cannot add a certificate extension");
  }
}

// True when the certificate is still good for at least kRenewWithinDays after now.
bool fresh_enough(const X509* certificate, std::chrono::system_clock::time_point now) {
  const auto renew_at = std::chrono::system_clock::to_time_t(now + std::chrono::hours(24 * kRenewWithinDays));
  Owned<ASN1_TIME> limit(ASN1_TIME_set(nullptr, renew_at));
  int days = 0;
  int seconds = 0;
  if (!limit || ASN1_TIME_diff(&days, &seconds, limit.get(), X509_get0_notAfter(certificate)) != 1) {
    return false;
  }
  return days > 0 || (days == 0 && seconds > 0);
}

CertificateFiles generate(const CertificateFiles& files, std::chrono::system_clock::time_point now) {
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate a P-256 key");
  Owned<X509> certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  std::array<unsigned char, 16> serial{};
  if (RAND_bytes_ex(nullptr, serial.data(), serial.size(), 0) != 1) fail("no randomness for the serial");
  serial[0] &= 0x7F;  // a positive serial
  BIGNUM* serial_number = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  ASN1_INTEGER* serial_field = BN_to_ASN1_INTEGER(serial_number, X509_get_serialNumber(certificate.get()));
  BN_free(serial_number);
  if (serial_field == nullptr) fail("cannot set the serial");
  const auto not_before = std::chrono::system_clock::to_time_t(now - std::chrono::minutes(5));
  const auto not_after = std::chrono::system_clock::to_time_t(now + std::chrono::hours(24 * kValidDays));
  ASN1_TIME_set(X509_getm_notBefore(certificate.get()), not_before);
  ASN1_TIME_set(X509_getm_notAfter(certificate.get()), not_after);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  const auto host = host_name();
  const std::string common_name = host.empty() ? "dokkerr" : host;
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Dokkerr"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), name);
  X509_set_pubkey(certificate.get(), key.get());
  std::string alt_names = "DNS:localhost,IP:127.0.0.1,IP:::1";
  // A host name with characters a DNS name cannot have is left out rather than refused.
  if (!host.empty() && host != "localhost" &&
      host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
          std::string::npos) {
    alt_names += ",DNS:" + host;
  }
  add_extension(certificate.get(), NID_subject_alt_name, alt_names);
  add_extension(certificate.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(certificate.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(certificate.get(), NID_ext_key_usage, "serverAuth");
  add_extension(certificate.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(certificate.get(), key.get(), EVP_sha256()) == 0) fail("cannot sign the certificate");
  // The key first: a certificate without its key is never left behind as the newer file.
  detail::write_private_file(files.private_key, pem_of(key.get()));
  detail::write_private_file(files.certificate, pem_of(certificate.get()));
  detail::sync_directory(files.certificate.parent_path());
  return files;
}

}  // namespace

CertificateFiles load_or_create_self_signed(const fs::path& dir, std::chrono::system_clock::time_point now) {
  detail::ensure_private_directory(dir, true);
  const CertificateFiles files{dir / "cert.pem", dir / "key.pem"};
  std::error_code ec;
  if (fs::exists(files.certificate, ec) && fs::exists(files.private_key, ec)) {
    // The key must still be private; read_private_file refuses a key others can read.
    (void)detail::read_private_file(files.private_key, 64 * 1024);
    if (fresh_enough(read_certificate(files.certificate).get(), now)) return files;
  }
  return generate(files, now);
}

std::string certificate_fingerprint(const fs::path& pem_file) {
  const auto certificate = read_certificate(pem_file);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(certificate.get(), EVP_sha256(), digest.data(), &length) != 1) {
    fail(pem_file.string() + ": cannot compute the fingerprint");
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    if (i > 0) text += ':';
    text += kHex[digest[i] >> 4];
    text += kHex[digest[i] & 0x0F];
  }
  return text;
}

}  // namespace dokkerr::crypto
