#pragma once
// The listening port's TLS settings: one certificate and key, replaceable while the server runs
// (SIGHUP). A connection keeps the context it was accepted with; new connections get the newest.
#include <filesystem>
#include <memory>
#include <mutex>

namespace boost::asio::ssl {
class context;
}

namespace dokkerr::http {

class TlsCredentials {
 public:
  // Loads the PEM certificate chain and private key. std::runtime_error naming the file and
  // OpenSSL's reason when either cannot be used or they do not belong together.
  TlsCredentials(std::filesystem::path certificate_chain, std::filesystem::path private_key);

  // Reads both files again. On failure the previous pair stays in use and the error is thrown.
  void reload();

  [[nodiscard]] std::shared_ptr<boost::asio::ssl::context> context() const;
  [[nodiscard]] const std::filesystem::path& certificate_file() const { return certificate_chain_; }

 private:
  std::filesystem::path certificate_chain_;
  std::filesystem::path private_key_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace dokkerr::http
