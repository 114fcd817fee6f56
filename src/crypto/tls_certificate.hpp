#pragma once
// The server's own certificate when it is told --tls-self-signed: generated once, kept in the data
// dir, and identified to users by its fingerprint (which they pin or compare out of band).
#include <chrono>
#include <filesystem>
#include <string>

namespace dokkerr::crypto {

struct CertificateFiles {
  std::filesystem::path certificate;  // PEM
  std::filesystem::path private_key;  // PEM, mode 0600
};

// Returns dir/cert.pem and dir/key.pem, creating them (ECDSA P-256, SHA-256, valid 825 days,
// subjectAltName localhost, 127.0.0.1, ::1 and this host's name) when they do not exist or the
// certificate expires within 30 days of `now`. dir is created 0700. std::runtime_error naming
// the file when an existing pair cannot be read.
CertificateFiles load_or_create_self_signed(const std::filesystem::path& dir,
                                            std::chrono::system_clock::time_point now);

// "AB:CD:…": the SHA-256 fingerprint of the first certificate in a PEM file, in the form browsers
// and `openssl x509 -fingerprint -sha256` show. std::runtime_error naming the file.
std::string certificate_fingerprint(const std::filesystem::path& pem_file);

}  // namespace dokkerr::crypto
