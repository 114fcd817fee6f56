#pragma once
// Helpers for the OpenID Connect tests: keys generated per run, ID tokens signed (or mis-signed)
// on demand, and a one-shot HTTP server on loopback for answers a real provider never gives
// (oversized, redirecting, failing).
#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <arpa/inet.h>
#include <cstdlib>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace dokkerr::oidc::testing {

inline std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// Calls fn; returns the dokkerr::Error it throws, or std::nullopt when it throws nothing.
template <class Fn>
std::optional<Error> error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

// ---- keys and tokens ---------------------------------------------------------------------------

using Pkey = std::shared_ptr<EVP_PKEY>;

inline Pkey generate_rsa(std::size_t bits) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
  if (key == nullptr) throw std::runtime_error("RSA key generation failed");
  return {key, EVP_PKEY_free};
}

inline Pkey generate_p256() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) throw std::runtime_error("P-256 key generation failed");
  return {key, EVP_PKEY_free};
}

inline std::string bn_param(const Pkey& key, const char* name, int pad_to = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), name, &bn) != 1) throw std::runtime_error(name);
  const int size = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(size), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size);
  BN_free(bn);
  return out;
}

// The public half as a JWK object; callers add or change members to make it hostile.
inline boost::json::object public_jwk(const Pkey& key, std::string_view kid) {
  boost::json::object jwk;
  if (EVP_PKEY_is_a(key.get(), "RSA") == 1) {
    jwk["kty"] = "RSA";
    jwk["n"] = crypto::base64url_encode(bn_param(key, OSSL_PKEY_PARAM_RSA_N));
    jwk["e"] = crypto::base64url_encode(bn_param(key, OSSL_PKEY_PARAM_RSA_E));
  } else {
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = crypto::base64url_encode(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, 32));
    jwk["y"] = crypto::base64url_encode(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
  }
  if (!kid.empty()) jwk["kid"] = kid;
  jwk["use"] = "sig";
  return jwk;
}

inline std::string jwks_json(std::initializer_list<boost::json::object> keys) {
  boost::json::array array;
  for (const auto& key : keys) array.emplace_back(key);
  return boost::json::serialize(boost::json::object{{"keys", array}});
}

inline std::string public_key_pem(const Pkey& key) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

// SHA-256 signature as OpenSSL makes it: PKCS #1 v1.5 for RSA, DER for ECDSA.
inline std::string openssl_sign(const Pkey& key, std::string_view input) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()) != 1) {
    throw std::runtime_error("EVP_DigestSign setup failed");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                     input.size()) != 1) {
    throw std::runtime_error("EVP_DigestSign failed");
  }
  signature.resize(size);
  return signature;
}

// JOSE ES256: r || s, 32 bytes each.
inline std::string der_to_jose(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) throw std::runtime_error("d2i_ECDSA_SIG failed");
  std::string out(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

inline std::string segment(const boost::json::object& object) {
  return crypto::base64url_encode(boost::json::serialize(object));
}

// header.payload plus the signature `sign` computes over them.
template <class Sign>
std::string make_token(const boost::json::object& header, const boost::json::object& claims,
                       Sign&& sign) {
  const std::string input = segment(header) + "." + segment(claims);
  return input + "." + crypto::base64url_encode(sign(input));
}

inline std::string sign_rs256(const Pkey& key, const boost::json::object& header,
                              const boost::json::object& claims) {
  return make_token(header, claims, [&key](std::string_view in) { return openssl_sign(key, in); });
}

inline std::string sign_es256(const Pkey& key, const boost::json::object& header,
                              const boost::json::object& claims) {
  return make_token(header, claims,
                    [&key](std::string_view in) { return der_to_jose(openssl_sign(key, in)); });
}

// ---- a one-shot HTTP server
// ----------------------------------------------------------------------

// Listens on 127.0.0.1 at construction; serve() answers exactly one request with a canned
// response on a thread of its own, and request() returns what the client sent.
class OneShotServer {
 public:
  OneShotServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
  }
  OneShotServer(const OneShotServer&) = delete;
  OneShotServer& operator=(const OneShotServer&) = delete;
  ~OneShotServer() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void serve(std::string response) {
    thread_ = std::thread([this, response = std::move(response)] { answer(response); });
  }

  std::string request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  void answer(const std::string& response) {
    pollfd waiting{listener_, POLLIN, 0};
    if (::poll(&waiting, 1, 15'000) != 1) return;  // the client never came
    const int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) return;
    std::string received;
    char buffer[4096];
    for (;;) {
      const auto header_end = received.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::size_t body = 0;
        if (const auto at = received.find("Content-Length: "); at != std::string::npos) {
          body = std::stoul(received.substr(at + 16));
        }
        if (received.size() >= header_end + 4 + body) break;
      }
      const auto n = ::recv(connection, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      received.append(buffer, static_cast<std::size_t>(n));
    }
    request_ = received;
    std::size_t sent = 0;
    while (sent < response.size()) {
      // MSG_NOSIGNAL: a client that stops reading (the size bound) must not kill the tests.
      const auto n =
          ::send(connection, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(connection, SHUT_RDWR);
    ::close(connection);
  }

  int listener_ = -1;
  unsigned short port_ = 0;
  std::thread thread_;
  std::string request_;
};

inline std::string http_response(int status, std::string_view body,
                                 std::string_view extra_headers = {}) {
  return "HTTP/1.1 " + std::to_string(status) + " Status\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}

}  // namespace dokkerr::oidc::testing
