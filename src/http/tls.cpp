#include "http/tls.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>
#include <string>

namespace dokkerr::http {
namespace {

namespace ssl = boost::asio::ssl;

// TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3's are all of that kind); the same
// set as Mozilla's "intermediate" profile, which every client of the last decade speaks.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openssl_reason() {
  const auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::shared_ptr<ssl::context> load(const std::filesystem::path& chain, const std::filesystem::path& key) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    throw std::runtime_error("TLS cipher list refused: " + openssl_reason());
  }
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, chain.c_str()) != 1) {
    throw std::runtime_error(chain.string() + ": not a usable PEM certificate chain (" + openssl_reason() + ")");
  }
  if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error(key.string() + ": not a usable PEM private key (" + openssl_reason() + ")");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    throw std::runtime_error(key.string() + ": does not belong to the certificate in " + chain.string());
  }
  return context;
}

}  // namespace

TlsCredentials::TlsCredentials(std::filesystem::path certificate_chain, std::filesystem::path private_key)
    : certificate_chain_(std::move(certificate_chain)),
      private_key_(std::move(private_key)),
      current_(load(certificate_chain_, private_key_)) {}

void TlsCredentials::reload() {
  auto fresh = load(certificate_chain_, private_key_);
  const std::lock_guard lock(mutex_);
  current_ = std::move(fresh);
}

std::shared_ptr<ssl::context> TlsCredentials::context() const {
  const std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace dokkerr::http
